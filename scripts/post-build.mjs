// After tsc: make the CLI executable so `npx compilog` and the `bin` link work, and bundle the report
// command for the CLI's fast path.
//
// Why a bundle: Node 20's ESM loader costs ~0.3 ms per module file (resolve, read, compile), and
// `compilog report` loads about 70 of ours: ~25 ms of a ~1.1 s report of a 170 MB trace. The bundle is
// written next to the command modules (dist/cli/, the same depth as every dist/<folder>/ module), so the
// `new URL('../../...', import.meta.url)` lookups of the bundled modules (package.json, data/, the package
// root) resolve as they do unbundled. Without esbuild the CLI simply loads the unbundled modules.
import { chmodSync, existsSync, rmSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);

const entry = new URL('../dist/cli/report.js', import.meta.url);
const bundle = new URL('../dist/cli/report-bundle.js', import.meta.url);
rmSync(bundle, { force: true });
let esbuild = null;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('post-build: esbuild not found; `compilog report` will load its modules unbundled');
}
if (esbuild !== null && existsSync(entry)) {
  await esbuild.build({
    entryPoints: [entry.pathname],
    outfile: bundle.pathname,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // npm packages (pino, chalk) stay imports, loaded on first use as before
    packages: 'external',
    logLevel: 'warning',
  });
}
