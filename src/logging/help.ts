/**
 * The text of `TORCH_LOGS=help` / `TORCH_LOGS=+help`: PyTorch's layout (`help_message(verbose)`), byte for byte:
 * a title, an examples block, then `all`, the sorted aliases and the sorted, padded artifact lines.
 * For PyTorch's own registry the examples are PyTorch's; for any other registry they are built from its own names.
 */
import type { LogRegistry } from './registry.js';
import { compareCodePoints } from './registry.js';

export type HelpExamples = 'pytorch' | 'registry';

export interface HelpOptions {
  verbose?: boolean;
  /** Which examples block to print; default: 'pytorch' for a registry marked as PyTorch's, else 'registry'. */
  examples?: HelpExamples;
}

const pytorchRegistries = new WeakSet<LogRegistry>();

/** Marks `registry` as PyTorch's own, so its help text carries PyTorch's examples (done by the registry loaders). */
export function markPytorchRegistry(registry: LogRegistry): LogRegistry {
  pytorchRegistries.add(registry);
  return registry;
}

export function isPytorchRegistry(registry: LogRegistry): boolean {
  return pytorchRegistries.has(registry);
}

/** PyTorch pads artifact names to 30 columns (and raises on longer ones); we widen the column instead. */
const NAME_COLUMN = 30;

export function helpMessage(registry: LogRegistry, options: HelpOptions = {}): string {
  const verbose = options.verbose ?? false;
  const examplesKind = options.examples ?? (isPytorchRegistry(registry) ? 'pytorch' : 'registry');
  const examples = examplesKind === 'pytorch' ? PYTORCH_HELP_EXAMPLES : registryExamples(registry);
  const heading = verbose
    ? 'All registered names'
    : "Visible registered names (use TORCH_LOGS='+help' for full list)";
  const artifacts = [...registry.artifacts.values()].filter((a) => verbose || a.visible);
  const width = Math.max(NAME_COLUMN, ...artifacts.map((a) => Array.from(a.name).length));
  const artifactLines = artifacts
    .map((a) => `${padTo(a.name, width)}\t${a.description}`)
    .sort(compareCodePoints);
  const lines = ['all', ...[...registry.aliases.keys()].sort(compareCodePoints), ...artifactLines];
  return `\nTORCH_LOGS Info\n${examples}\n\n${heading}\n  ${lines.join('\n  ')}\n`;
}

function padTo(name: string, width: number): string {
  return name + ' '.repeat(width - Array.from(name).length);
}

/** Examples in the same shape as PyTorch's, built from the names `registry` actually has. */
export function registryExamples(registry: LogRegistry): string {
  const aliases = [...registry.aliases.keys()].filter((a) => a !== 'torch').sort(compareCodePoints);
  const all = [...registry.artifacts.values()];
  const artifact = (all.find((a) => a.visible) ?? all[0])?.name;
  const [first, second] = aliases;
  const dotted = registry.logQnames().find((q) => q.includes('.'));
  const out = ['', 'Examples:'];
  const example = (...lines: string[]): void => {
    out.push(...lines.map((l) => `  ${l}`), '');
  };
  if (first !== undefined && second !== undefined) {
    example(
      `TORCH_LOGS="+${first},${second}" sets ${first} to logging.DEBUG and ${second} to`,
      'logging.INFO',
    );
    example(
      `TORCH_LOGS="-${first},+${second}" sets ${first} to logging.ERROR and ${second} to`,
      'logging.DEBUG',
    );
  } else if (first !== undefined) {
    example(`TORCH_LOGS="+${first}" sets ${first} to logging.DEBUG; "-${first}" sets it to logging.ERROR`);
  }
  if (artifact !== undefined) {
    example(`TORCH_LOGS="${artifact}" turns on the ${artifact} artifact`);
    if (first !== undefined) {
      example(
        `TORCH_LOGS="+${first},${artifact}" sets ${first} to logging.DEBUG and turns on the`,
        `${artifact} artifact`,
      );
    }
  }
  if (dotted !== undefined) {
    example(
      `TORCH_LOGS="+${dotted}" sets the logger ${dotted}`,
      'and every logger below it to logging.DEBUG',
    );
  }
  example(`TORCH_LOGS="all" sets every registered logger to logging.INFO ("+all": DEBUG)`);
  example(
    'TORCH_LOGS_FORMAT="%(levelname)s: %(message)s" replaces the line format',
    '("short" and "basic" are shorthands; "json" writes one JSON object per record)',
  );
  out.push('  TORCH_LOGS_OUT=/tmp/output.txt also appends the logs to /tmp/output.txt', '');
  return out.join('\n');
}

// PyTorch 2.11's examples block of help_message() (torch/_logging/_internal.py, BSD-3-Clause), reproduced
// verbatim so `help` on PyTorch's registry prints exactly what PyTorch prints.
export const PYTORCH_HELP_EXAMPLES = [
  '',
  'Examples:',
  '  TORCH_LOGS="+dynamo,aot" will set the log level of TorchDynamo to',
  '  logging.DEBUG and AOT to logging.INFO',
  '',
  '  TORCH_LOGS="-dynamo,+inductor" will set the log level of TorchDynamo to',
  '  logging.ERROR and TorchInductor to logging.DEBUG',
  '',
  '  TORCH_LOGS="aot_graphs" will enable the aot_graphs artifact',
  '',
  '  TORCH_LOGS="+dynamo,schedule" will enable set the log level of TorchDynamo',
  '  to logging.DEBUG and enable the schedule artifact',
  '',
  '  TORCH_LOGS="+some.random.module,schedule" will set the log level of',
  '  some.random.module to logging.DEBUG and enable the schedule artifact',
  '',
  '  TORCH_LOGS="+torch._functorch._aot_autograd" will set the log level of',
  '  torch._functorch._aot_autograd and all its submodules to logging.DEBUG',
  '  (directory-based logging)',
  '',
  '  TORCH_LOGS_FORMAT="%(levelname)s: %(message)s" or any provided format',
  '  string will set the output format',
  '  Valid keys are "levelname", "message", "pathname", "levelno", "lineno",',
  '  "filename" and "name".',
  '',
  '  TORCH_LOGS_OUT=/tmp/output.txt will output the logs to /tmp/output.txt as',
  '  well. This is useful when the output is long.',
  '',
].join('\n');
