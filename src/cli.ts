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
