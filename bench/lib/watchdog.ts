/**
 * Spawns a command under a small sh watchdog that holds a pipe from this process on its stdin:
 * when the bench goes away for any reason (even SIGKILL) the pipe closes, `read` returns and the
 * command gets SIGTERM, so nothing the bench started outlives it. stdout/stderr are the command's.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { descendants } from './procs'

const SCRIPT = '"$@" </dev/null & c=$!; read -r _; kill -TERM "$c" 2>/dev/null; wait "$c"'

export interface Watched {
  /** The watchdog shell. */
  shell: ChildProcess
  /** The command's own pid, once it is known (see `findPid`). */
  pid: number | undefined
  findPid(match: (cmdline: string) => boolean): number | undefined
  alive(): boolean
  /** Closes the pipe (the watchdog stops the command), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

export function spawnWatched(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Watched {
  const shell = spawn('/bin/sh', ['-c', SCRIPT, 'sh', cmd, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  shell.stdin!.on('error', () => {})
  const w: Watched = {
    shell,
    pid: undefined,
    findPid(match) {
      w.pid ??= descendants(shell.pid).find((p) => match(p.cmdline))?.pid
      return w.pid
    },
    alive() {
      if (w.pid === undefined) return shell.exitCode === null
      try {
        return existsSync(`/proc/${w.pid}/stat`) && !/\) Z /.test(readFileSync(`/proc/${w.pid}/stat`, 'utf8'))
      } catch {
        return false
      }
    },
    async stop(graceMs = 5000) {
      if (shell.exitCode !== null || shell.signalCode !== null) return
      shell.stdin!.end()
      await new Promise<void>((done) => {
        const t = setTimeout(() => {
          if (w.pid !== undefined) {
            try {
              process.kill(w.pid, 'SIGKILL')
            } catch {
              /* already gone */
            }
          }
          shell.kill('SIGKILL')
          done()
        }, graceMs)
        shell.once('exit', () => {
          clearTimeout(t)
          done()
        })
      })
    },
  }
  return w
}
