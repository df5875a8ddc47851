#!/usr/bin/env node
// The `compilog` command line: one yargs program, one module per command group in src/cli/.
// A plain `compilog report <path> [options]` skips yargs (see cli/report-options.ts): on a big trace the
// report is about a second, and loading yargs and the other commands would be a tenth of it.
import { fastReportArgs } from './cli/report-options.js';

const argv = process.argv.slice(2);
const fast = argv[0] === 'report' ? fastReportArgs(argv.slice(1)) : null;

if (fast !== null) {
  const { runReport } = await import('./cli/report.js');
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

function exitWhenFlushed(): void {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) process.exit();
  let left = pending.length;
  for (const s of pending) s.write('', () => --left === 0 && process.exit());
}
