/**
 * Small process helpers for the test servers: run a command to completion, start a long-running
 * server (as another user when we are root), wait until a TCP port answers, stop it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { connect } from 'node:net'

export const IS_ROOT = process.getuid?.() === 0

/** uid/gid of a system account, or undefined when it does not exist. */
export function accountIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
    return { uid, gid }
  } catch {
    return undefined
  }
}

/** Runs a command; rejects with its exit code and the tail of its output. */
export function run(cmd: string, args: string[], options: SpawnOptions & { input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const { input, ...spawnOptions } = options
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...spawnOptions })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0) resolve(out)
      else reject(new Error(`${cmd} exited with ${code}: ${out.slice(-2000)}`))
    })
    if (input !== undefined) {
      // A child that exits without reading its input must not fail the test run (EPIPE).
      child.stdin!.on('error', () => {})
      child.stdin!.end(input)
    }
  })
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port (or the child exits). */
export async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited during start-up (${child.exitCode ?? child.signalCode})`)
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
