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
}
