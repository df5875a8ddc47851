/** The one HTML escaper every page uses: all trace text (artifacts, names, frames, urls) goes through it. */
const SPECIAL = /[&<>"']/;
const SPECIAL_G = /[&<>"']/g;
const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  const s = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  return SPECIAL.test(s) ? s.replace(SPECIAL_G, (c) => ENTITY[c]) : s;
}

/** A link target from trace data: http(s) and relative paths only, escaped; anything else (javascript:, data:) becomes '#'. */
export function safeHref(url: string): string {
  const scheme = /^\s*([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (scheme !== null && !/^https?$/i.test(scheme[1])) return '#';
  return escapeHtml(url);
}
