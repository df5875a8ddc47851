/** The parameter names of a JS function, for guard texts and placeholder names (`x` -> `L_x_`). */
export function paramNames(fn: (...args: never[]) => unknown, count: number): string[] {
  const src = Function.prototype.toString.call(fn);
  const list =
    /^(?:async\s+)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(src)?.[1] ??
    /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src)?.[1] ??
    '';
  const names = list
    .split(',')
    .map((p) =>
      p
        .replace(/=.*$/s, '')
        .replace(/^\.\.\./, '')
        .trim(),
    )
    .filter((p) => p.length > 0);
  return Array.from({ length: count }, (_, i) => {
    const n = names[i];
    return n !== undefined && /^[A-Za-z_$][\w$]*$/.test(n) ? n : `arg${i}`;
  });
}
