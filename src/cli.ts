#!/usr/bin/env node
// The `compilog` command line: one yargs program, one module per command group in src/cli/.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { demoCommand } from './cli/demo.js';
import { logsCommand, protectLogsArgs } from './cli/logs.js';
import { reportCommand } from './cli/report.js';
import { runCommand } from './cli/run.js';
import { protectRunArgs } from './cli/run-args.js';

await yargs(protectRunArgs(protectLogsArgs(hideBin(process.argv))))
  .scriptName('compilog')
  .strict()
  .command(logsCommand)
  .command(reportCommand)
  .command(runCommand)
  .command(demoCommand)
  .demandCommand(1, 'Name a command: see compilog --help')
  .help()
  .parseAsync();
