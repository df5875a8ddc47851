/**
 * Where emitted records go and how they look: one handler for the whole process (so a record is printed
 * exactly once), writing the same text to stderr and, with TORCH_LOGS_OUT, appended to a file. Colours (chalk)
 * only on a TTY stderr, never in the file.
 */
import type { ChalkInstance } from 'chalk';
import { CompilogError } from './errors.js';
import { glogPrefix, messageBody, prefixLines } from './format/glog.js';
import { JsonFormat, type SpanContextProvider } from './format/json.js';
import { type CompiledTemplate, compileTemplate } from './format/template.js';
import { chalk } from './lazy-deps.js';
import { CRITICAL, DEBUG, ERROR, INFO, WARNING } from './levels.js';
import type { LoggerCore } from './logger.js';
import type { LogRecord } from './record.js';

/** A destination for text; BatchedWriter is one. */
export interface TextSink {
  write(text: string): void;
  /** `head` before every line of `body`, then a newline (BatchedWriter leaves that work to its write thread). */
  writeLines?(head: string, body: string): void;
  flush(): void;
}

export type FormatChoice =
  | { kind: 'glog' }
  | { kind: 'template'; template: CompiledTemplate }
  | { kind: 'json'; caller: boolean };

export interface OutputOptions {
  format: FormatChoice;
  stderr: TextSink;
  /** Colour the stderr prefix (decided by the state: a TTY and a colour-capable terminal). */
  colour: boolean;
  file: TextSink | undefined;
  /** TORCH_LOGS_TRACE_ID_FILTER, as bare ids (`0/1`, brackets removed). */
  traceFilter: ReadonlySet<string> | undefined;
  /** The artifact's own format (register_artifact's log_format), if it has one. */
  artifactFormat: (artifact: string) => string | undefined;
  pid: number;
  hostname?: string;
  spanContext: () => SpanContextProvider | undefined;
  /** Capture the caller for glog lines and templates that show it (default true). */
  captureCaller?: boolean;
}

export class Output {
  readonly needsCaller: boolean;
  readonly traceFilter: ReadonlySet<string> | undefined;
  private readonly json: JsonFormat | undefined;
  private readonly chalk: ChalkInstance | undefined;
  private readonly artifactTemplates = new Map<string, CompiledTemplate | null>();

  constructor(private readonly options: OutputOptions) {
    const f = options.format;
    this.traceFilter = options.traceFilter;
    this.chalk = options.colour ? new (chalk().Chalk)({ level: 1 }) : undefined;
    if (f.kind === 'json') {
      const { stderr, file } = options;
      const stream = {
        write: file === undefined ? (s: string) => stderr.write(s) : (s: string) => fanOut(stderr, file, s),
      };
      this.json = new JsonFormat({
        stream,
        pid: options.pid,
        ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
        spanContext: options.spanContext,
        caller: f.caller,
      });
      this.needsCaller = f.caller;
    } else {
      this.json = undefined;
      this.needsCaller = options.captureCaller !== false && (f.kind === 'glog' || f.template.needsCaller);
    }
  }

  write(logger: LoggerCore, r: LogRecord): void {
    if (this.json !== undefined) {
      this.json.write(logger, r);
      return;
    }
    const f = this.options.format;
    let text: string;
    if (f.kind === 'template') {
      text = `${f.template.render(r)}\n`;
    } else {
      const custom = r.artifact === undefined ? undefined : this.artifactTemplate(r.artifact);
      if (custom !== undefined) {
        text = `${custom.render(r)}\n`;
      } else {
        const prefix = glogPrefix(r);
        const body = messageBody(r);
        const { stderr, file } = this.options;
        if (this.chalk !== undefined) stderr.write(prefixLines(colourFor(this.chalk, r.level)(prefix), body));
        else writeLines(stderr, prefix, body);
        if (file !== undefined) writeLines(file, prefix, body);
        return;
      }
    }
    this.options.stderr.write(text);
    this.options.file?.write(text);
  }

  flush(): void {
    this.options.stderr.flush();
    this.options.file?.flush();
  }

  private artifactTemplate(artifact: string): CompiledTemplate | undefined {
    let t = this.artifactTemplates.get(artifact);
    if (t === undefined) {
      const source = this.options.artifactFormat(artifact);
      t = null;
      if (source !== undefined) {
        try {
          t = compileTemplate(source);
        } catch (err) {
          if (!(err instanceof CompilogError)) throw err;
          // A bad artifact format falls back to the default line (reported when the artifact is registered).
        }
      }
      this.artifactTemplates.set(artifact, t);
    }
    return t ?? undefined;
  }
}

/** A glog record: the prefix on every line of the body. */
function writeLines(sink: TextSink, prefix: string, body: string): void {
  if (sink.writeLines !== undefined) sink.writeLines(`${prefix} `, body);
  else sink.write(prefixLines(prefix, body));
}

function fanOut(a: TextSink, b: TextSink, s: string): void {
  a.write(s);
  b.write(s);
}

function colourFor(chalk: ChalkInstance, level: number): (s: string) => string {
  if (level >= CRITICAL) return chalk.bold.red;
  if (level >= ERROR) return chalk.red;
  if (level >= WARNING) return chalk.yellow;
  if (level >= INFO) return chalk.green;
  if (level >= DEBUG) return chalk.gray;
  return chalk.reset;
}
