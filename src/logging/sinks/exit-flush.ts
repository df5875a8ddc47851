/**
 * Flush-on-exit for every batched writer: nothing buffered is lost at process.exit(), on an uncaught
 * exception or unhandled rejection, or on SIGTERM/SIGINT/SIGHUP. The hooks never change how the host program
 * ends: uncaught errors still crash as before (we only use the *monitor* event), and a signal with no other
 * listener still terminates the process with that signal after we flushed.
 */
type Flusher = () => void;

const flushers = new Set<Flusher>();
let installed = false;
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export function flushAll(): void {
  for (const flush of flushers) {
    try {
      flush();
    } catch {
      // Logging never throws into the host program, least of all while it is exiting.
    }
  }
}

/** Registers `flush` to run synchronously before the process goes away. Returns an unregister function. */
export function onExitFlush(flush: Flusher): () => void {
  flushers.add(flush);
  install();
  return () => flushers.delete(flush);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', flushAll);
  process.on('uncaughtExceptionMonitor', flushAll);
  for (const signal of SIGNALS) {
    const handler = (): void => {
      flushAll();
      // If we are the only listener, restore the default action and re-raise, so the exit status is the signal's.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
  // A signal that arrives while the program runs synchronous code is only seen when the event loop polls
  // again; a program that then simply ends would never poll, and would exit 0 instead of by the signal. One
  // extra (empty) turn of the loop at the end lets a pending signal through. Skipped when the host has its
  // own beforeExit listeners, which the extra turn would call a second time.
  let turned = false;
  process.on('beforeExit', () => {
    if (turned || process.listenerCount('beforeExit') > 1) return;
    turned = true;
    setImmediate(() => {});
  });
}
