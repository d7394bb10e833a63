/**
 * @module hsm-bridge/log
 *
 * One-JSON-object-per-line logging to stderr (stdout carries only the ready line). Callers pass
 * structured fields; never pass plaintext, key material, PINs or the bridge secret.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type LogFields = Record<string, string | number | boolean | undefined>

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/**
 * Builds a logger that writes JSON lines to `write` (stderr by default).
 *
 * @throws never
 */
export function createLogger(
  minLevel: LogLevel | 'silent' = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  return {
    log(level, msg, fields) {
      if (minLevel === 'silent' || RANK[level] < RANK[minLevel]) return
      write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }))
    },
  }
}
