#!/usr/bin/env node
// The `compilog` command line: one yargs program, one module per command group in src/cli/.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { logsCommand, protectLogsArgs } from './cli/logs.js';
import { reportCommand } from './cli/report.js';

await yargs(protectLogsArgs(hideBin(process.argv)))
  .scriptName('compilog')
  .strict()
  .command(logsCommand)
  .command(reportCommand)
  .demandCommand(1, 'Name a command: see compilog --help')
  .help()
  .parseAsync();
