/** The texts capture prints, in PyTorch's wording where PyTorch has one. */
import type { UserFrame } from '../../artifacts/index.js';
import type { GraphCompileRequest } from './compile-request.js';
import type { GraphBreak } from './segmenter.js';

export function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

export function graphBreakText(b: GraphBreak): string {
  const site = b.userStack[0];
  const traceback = [...b.userStack]
    .reverse()
    .map(
      (f) => `  File "${f.file}", line ${f.line}, in ${f.fn}${f.code === undefined ? '' : `\n    ${f.code}`}`,
    )
    .join('\n');
  return [
    `Graph break in user code at ${site === undefined ? '<unknown>' : `${site.file}:${site.line}`}`,
    `Graph Break Reason: Data-dependent read: ${b.reason}() needs the value of '${b.nodeName}'`,
    '  Explanation: compile() records tensor operations without running them; reading a value on the host ' +
      `(${b.reason}()) needs the graph recorded so far to run first, so the graph ends here.`,
    '  Hint: Keep the value as a tensor (for example where() instead of an if on item()), ' +
      'or move the read out of the compiled function.',
    '',
    'User code traceback:',
    traceback,
  ].join('\n');
}

export function startCompilingMessage(req: GraphCompileRequest, where: string): string {
  const frames = [...req.callerStack]
    .reverse()
    .map((f) => `  File "${f.file}", line ${f.line}, in ${f.fn}\n    ${f.code ?? ''}\n`)
    .join('');
  return `torchdynamo start compiling ${req.frame.coName} ${where}, stack (elided ${req.elidedFrames} frames):\n${frames}`;
}

/** The user's stack for `dynamo_start`: the callers (with their source lines), then the compiled code itself. */
export function dynamoStartStack(req: GraphCompileRequest): UserFrame[] {
  const callers = [...req.callerStack]
    .reverse()
    .map((f): UserFrame => ({ filename: f.file, line: f.line, name: f.fn, loc: f.code ?? null }));
  return [
    ...callers,
    { filename: req.frame.coFilename, line: req.frame.coFirstlineno, name: req.frame.coName },
  ];
}

export function userStackText(req: GraphCompileRequest): string {
  const site = req.breakAt?.userStack[0] ?? req.graph.outputs.at(-1)?.source;
  return site === undefined ? '' : `<FrameSummary file ${site.file}, line ${site.line} in ${site.fn}>`;
}

export function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}
