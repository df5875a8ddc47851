/**
 * Child process for trace-writer-crash.test.ts: writes N records to the trace named by TORCH_TRACE / TORCH_DTRACE,
 * then ends as asked: `exit` (process.exit), `throw` (uncaught exception), `sigterm` (a signal),
 * `sigterm-sync` (a signal during synchronous work, after which the program ends), `normal`.
 * The records are written in one synchronous burst inside a timer callback, so the last batch is still in memory
 * when the process ends.
 */
import { dtraceStructured, traceStructured, withCompileId } from '../../src/artifacts/index.js';

const [mode = 'normal', count = '100'] = process.argv.slice(2);
const n = Number(count);

function payloadFor(i: number): unknown {
  if (i % 3 === 0) return undefined;
  if (i % 3 === 1) return `record ${i}\nsecond line é\n`;
  return { i, list: [i, i + 1], s: 'x'.repeat(i % 50) };
}

function writeAll(): void {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 1) {
      withCompileId({ frameId: i % 5, frameCompileId: 0 }, () =>
        traceStructured('child_record', { i }, () => payloadFor(i)),
      );
    } else {
      traceStructured('child_record', { i }, () => payloadFor(i));
    }
  }
  dtraceStructured('child_dtrace', { n });
}

if (mode === 'sigterm-sync') {
  // at the top level: the signal arrives during synchronous work, and then the program simply ends (with no
  // timer or I/O left, Node would not poll the event loop again)
  writeAll();
  process.kill(process.pid, 'SIGTERM');
  const t0 = Date.now();
  while (Date.now() - t0 < 200) {}
} else
  setTimeout(() => {
    writeAll();
    switch (mode) {
      case 'exit':
        process.exit(3);
        break;
      case 'throw':
        throw new Error('child crashed on purpose');
      case 'sigterm':
        process.kill(process.pid, 'SIGTERM');
        setInterval(() => {}, 1000);
        break;

      default:
        process.stdout.write('done\n');
    }
  }, 0);
