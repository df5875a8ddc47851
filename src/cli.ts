#!/usr/bin/env node
// The `compilog` command line: one yargs program, one module per command group in src/cli/.
// A plain `compilog report <path> [options]` skips yargs (see cli/report-options.ts): on a big trace the
// report is about a second, and loading yargs and the other commands would be a tenth of it.
import { existsSync } from 'node:fs';
import { fastReportArgs } from './cli/report-options.js';

const argv = process.argv.slice(2);
const fast = argv[0] === 'report' ? fastReportArgs(argv.slice(1)) : null;

if (fast !== null) {
  const { runReport } = await reportModule();
  await runReport(fast);
  // Everything is written and the writer thread is closed: exit now rather than wait ~30 ms for Node to
  // tear the heap and its threads down (stdout and stderr are synchronous for files and pipes on Linux;
  // anything still buffered is drained first).
  exitWhenFlushed();
} else {
  const [
    { default: yargs },
    { demoCommand },
    { logsCommand, protectLogsArgs },
    { reportCommand },
    run,
    runArgs,
  ] = await Promise.all([
    import('yargs'),
    import('./cli/demo.js'),
    import('./cli/logs.js'),
    import('./cli/report.js'),
    import('./cli/run.js'),
    import('./cli/run-args.js'),
  ]);
  await yargs(runArgs.protectRunArgs(protectLogsArgs(argv)))
    .scriptName('compilog')
    .strict()
    .command(logsCommand)
    .command(reportCommand)
    .command(run.runCommand)
    .command(demoCommand)
    .demandCommand(1, 'Name a command: see compilog --help')
    .help()
    .parseAsync();
}

/**
 * The report command, from the one-file bundle the build makes of it (see scripts/post-build.mjs), or from
 * its modules when there is none (running from src, or built without esbuild).
 */
async function reportModule(): Promise<typeof import('./cli/report.js')> {
  const bundle = new URL('./cli/report-bundle.js', import.meta.url);
  if (bundle.pathname.endsWith('/dist/cli/report-bundle.js') && existsSync(bundle)) {
    return (await import(bundle.href)) as typeof import('./cli/report.js');
  }
  return import('./cli/report.js');
}

function exitWhenFlushed(): void {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) process.exit();
  let left = pending.length;
  for (const s of pending) s.write('', () => --left === 0 && process.exit());
}
