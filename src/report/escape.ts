/** The one HTML escaper every page uses: all trace text (artifacts, names, frames, urls) goes through it. */
const SPECIAL = /[&<>"']/;

export function escapeHtml(value: unknown): string {
  const s = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  if (!SPECIAL.test(s)) return s;
  // one pass, copying the runs between special characters (2x faster than replace with a callback on
  // JSON-heavy text such as the metrics pages)
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let entity: string;
    if (c === 38) entity = '&amp;';
    else if (c === 60) entity = '&lt;';
    else if (c === 62) entity = '&gt;';
    else if (c === 34) entity = '&quot;';
    else if (c === 39) entity = '&#39;';
    else continue;
    if (i > last) out += s.slice(last, i);
    out += entity;
    last = i + 1;
  }
  return out + s.slice(last);
}

const TEXT_SPECIAL = /[&<>]/;

/**
 * Escapes text placed between tags (never inside an attribute): `&`, `<` and `>` are all that can start
 * markup there, so quotes stay as they are. JSON dumps (the metrics pages' "All fields") are full of quotes
 * and usually free of `&<>`, so most calls return the string unchanged.
 */
export function escapeText(value: unknown): string {
  const s = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  if (!TEXT_SPECIAL.test(s)) return s;
  // long text (code, JSON dumps): three native passes beat a character loop several times over
  if (s.length > 64) return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let entity: string;
    if (c === 38) entity = '&amp;';
    else if (c === 60) entity = '&lt;';
    else if (c === 62) entity = '&gt;';
    else continue;
    if (i > last) out += s.slice(last, i);
    out += entity;
    last = i + 1;
  }
  return out + s.slice(last);
}

/** A link target from trace data: http(s) and relative paths only, escaped; anything else (javascript:, data:) becomes '#'. */
export function safeHref(url: string): string {
  const scheme = /^\s*([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (scheme !== null && !/^https?$/i.test(scheme[1])) return '#';
  return escapeHtml(url);
}
