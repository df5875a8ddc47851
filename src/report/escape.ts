/** The HTML escapers every page uses: all trace text (artifacts, names, frames, urls) goes through them. */
const SPECIAL = /[&<>"']/;
const TEXT_SPECIAL = /[&<>]/;

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);

/**
 * One pass, copying the runs between special characters (2x faster than replace with a callback on
 * JSON-heavy text); quotes are escaped only when `quotes` is set.
 */
function escapeRuns(s: string, quotes: boolean): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let entity: string;
    if (c === 38) entity = '&amp;';
    else if (c === 60) entity = '&lt;';
    else if (c === 62) entity = '&gt;';
    else if (quotes && c === 34) entity = '&quot;';
    else if (quotes && c === 39) entity = '&#39;';
    else continue;
    if (i > last) out += s.slice(last, i);
    out += entity;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** Escapes text for anywhere in a page, attribute values included. */
export function escapeHtml(value: unknown): string {
  const s = asText(value);
  return SPECIAL.test(s) ? escapeRuns(s, true) : s;
}

/**
 * Escapes text placed between tags (never inside an attribute): `&`, `<` and `>` are all that can start
 * markup there, so quotes stay as they are. JSON dumps (the metrics pages' "All fields") are full of quotes
 * and usually free of `&<>`, so most calls return the string unchanged.
 */
export function escapeText(value: unknown): string {
  const s = asText(value);
  if (!TEXT_SPECIAL.test(s)) return s;
  // long text (code, JSON dumps): three native passes beat a character loop several times over
  if (s.length > 64) return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return escapeRuns(s, false);
}

/** A link target from trace data: http(s) and relative paths only, escaped; anything else (javascript:, data:) becomes '#'. */
export function safeHref(url: string): string {
  const scheme = /^\s*([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (scheme !== null && !/^https?$/i.test(scheme[1])) return '#';
  return escapeHtml(url);
}

/**
 * A link to a file the report wrote (a relative path from the trace's names): every segment percent-encoded,
 * so `#`, `?`, `%` and `\` in an artifact name reach the file instead of ending the path, then escaped for
 * an attribute. compile_directory.json keeps the plain path (tlparse's format).
 */
export function localHref(path: string): string {
  // nearly every path the report writes is plain: skip the split and encode (thousands of links per report)
  if (PLAIN_PATH.test(path)) return path;
  // a lone surrogate (possible in JSON names) cannot be percent-encoded: the file on disk got U+FFFD for it
  const wellFormed = path.replace(LONE_SURROGATE, '\ufffd');
  return escapeHtml(wellFormed.split('/').map(encodeURIComponent).join('/'));
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** characters that need neither percent-encoding in a path nor escaping in an attribute */
const PLAIN_PATH = /^[A-Za-z0-9_.~/-]*$/;
