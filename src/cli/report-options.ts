/**
 * The options of `compilog report`, declared once: yargs builds the command (help, validation, error
 * messages) from this table, and `fastReportArgs` reads a plain, valid command line with node's own
 * `util.parseArgs` so that `compilog report` does not have to load yargs at all (~60 ms of a ~1 s report
 * of a 170 MB trace). Anything the fast reader is not sure about goes to yargs, which then answers as it
 * always did.
 */
import { parseArgs } from 'node:util';

export interface ReportArgs {
  path: string;
  out: string;
  json: boolean;
  overwrite: boolean;
  latest: boolean;
  strict: boolean;
  'all-ranks': boolean;
  'plain-text': boolean;
  'inductor-provenance': boolean;
  export: boolean;
  compare: boolean;
}

type BooleanName = Exclude<keyof ReportArgs, 'path' | 'out'>;

export interface ReportOption {
  type: 'string' | 'boolean';
  alias?: string;
  default: string | boolean;
  describe: string;
}

export const PATH_DESCRIBE = 'a trace file (.log or .log.gz) or a TORCH_TRACE directory';

export const REPORT_OPTIONS: { out: ReportOption } & Record<BooleanName, ReportOption> = {
  out: { type: 'string', alias: 'o', default: 'tl_out', describe: 'output directory' },
  json: { type: 'boolean', default: false, describe: 'print a JSON summary on stdout' },
  overwrite: { type: 'boolean', default: false, describe: 'replace a non-empty output directory' },
  latest: {
    type: 'boolean',
    default: false,
    describe: 'in a directory, report only the newest trace file',
  },
  strict: {
    type: 'boolean',
    default: false,
    describe:
      'exit 1 if any line failed to parse (tlparse --strict; stricter: also lines that are not UTF-8 and a broken .gz stream)',
  },
  'all-ranks': {
    type: 'boolean',
    default: false,
    describe: 'report every rank file of the directory with a landing page',
  },
  'inductor-provenance': {
    type: 'boolean',
    alias: 'i',
    default: false,
    describe: 'write provenance_tracking_<dir>.html pages linking graph and generated-code lines',
  },
  export: {
    type: 'boolean',
    alias: 'e',
    default: false,
    describe: 'draft-export report only (tlparse --export); export issues also show in the normal report',
  },
  'plain-text': { type: 'boolean', default: false, describe: 'write inductor_output_code as .txt' },
  compare: {
    type: 'boolean',
    default: false,
    describe:
      "a page per recompile with what changed in its guards and Dynamo graph since the frame's previous compile (compare/)",
  },
};

/**
 * The arguments after `report`, read without yargs, or null when yargs must read them: help or version
 * flags, `--no-*` negations, camel-case spellings, `--flag=value` on a boolean, `true`/`false` words,
 * grouped short flags, a repeated option, an unknown option, or not exactly one path. For everything it accepts it gives what yargs gives.
 */
export function fastReportArgs(args: readonly string[]): ReportArgs | null {
  for (const a of args) {
    if (a === '--' || a.startsWith('--no-') || a === '--help' || a === '-h' || a === '--version') return null;
    // grouped or glued short options (`-ie`, `-odir`, `-o=dir`) are left to yargs
    if (/^-[^-]./.test(a) || a === '-') return null;
    // yargs reads `--json true` as the flag's value
    if (a === 'true' || a === 'false') return null;
    // `--json=true` and friends: yargs accepts them, parseArgs would not
    if (/^--[^=]+=/.test(a) && !a.startsWith('--out=')) return null;
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(REPORT_OPTIONS)) {
    options[name] = { type: o.type, multiple: true, ...(o.alias ? { short: o.alias } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch {
    return null;
  }
  if (parsed.positionals.length !== 1 || parsed.positionals[0] === '') return null;
  const values = parsed.values as Record<string, Array<string | boolean> | undefined>;
  const out: Record<string, string | boolean> = { path: parsed.positionals[0] };
  for (const [name, o] of Object.entries(REPORT_OPTIONS)) {
    const given = values[name];
    if (given !== undefined && given.length > 1) return null; // yargs makes an array of a repeated option
    out[name] = given?.[0] ?? o.default;
  }
  // a value that looks like an option (`--out --json`) is yargs's to judge
  if (typeof out.out !== 'string' || out.out === '' || out.out.startsWith('-')) return null;
  return out as unknown as ReportArgs;
}
