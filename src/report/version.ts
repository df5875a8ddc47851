/** compilog's own version, for the self-describing footer and report.json. */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function compilogVersion(): string {
  if (cached !== null) return cached;
  try {
    // src/report/version.ts and dist/report/version.js both sit two levels below package.json
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    cached = pkg.version ?? 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
}
