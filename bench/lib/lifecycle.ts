/**
 * @module bench/lib/lifecycle
 * Cleanup and logging of one bench run: every child is stopped on exit, error, SIGINT/SIGTERM or
 * the run deadline (cleanups run in reverse order of registration, 8 s each at most).
 */

const cleanups: Array<{ name: string; fn: () => Promise<void> | void }> = []
let cleaning: Promise<void> | undefined

/** Registers a cleanup step (run in reverse order of registration). */
export function onCleanup(name: string, fn: () => Promise<void> | void): void {
  cleanups.push({ name, fn })
}

/** Runs every cleanup once; later calls return the same promise. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, fn } of cleanups.reverse()) {
      try {
        await Promise.race([fn(), new Promise((r) => setTimeout(r, 8000))])
      } catch (err) {
        process.stderr.write(`bench: cleanup of ${name} failed: ${(err as Error).message}\n`)
      }
    }
  })()
  return cleaning
}

/** Installs the signal and uncaught-error handlers and the whole-run deadline; returns its timer. */
export function installLifecycle(deadlineMs: number): NodeJS.Timeout {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping every child process…\n`)
      void cleanup().finally(() => process.exit(130))
    })
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`bench: ${err.stack ?? err.message}\n`)
    void cleanup().finally(() => process.exit(1))
  })
  return setTimeout(() => {
    process.stderr.write(`bench: the run exceeded its ${deadlineMs / 60_000} min deadline; stopping.\n`)
    void cleanup().finally(() => process.exit(3))
  }, deadlineMs)
}

const t0 = Date.now()
/** One line of progress, stamped with the seconds since the run started. */
export const log = (msg: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`)
