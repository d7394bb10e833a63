/**
 * @module bench/lib/moto
 * moto_server (the Python AWS mock, https://github.com/getmoto/moto) side by side with our AWS
 * dialect: started on a free 127.0.0.1 port under the bench's watchdog (so it dies with the bench
 * even on SIGKILL, and is stopped by the run's cleanup on every other exit path), 10 KMS keys
 * created through TrentService.CreateKey, then measured with the same load generator, the same
 * SigV4-signed Encrypt requests and the same options as our AWS Encrypt row.
 *
 * moto keeps everything in memory (its Encrypt is a lookup and an AES-GCM call in one Python
 * process) and has no audit trail, no replay protection and no durable write: the comparison is
 * generous to it.
 */
import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { descendants } from './procs'
import { callAws, SigV4Signer, type AwsCredentials } from './sigv4'
import { spawnWatched, type Watched } from './watchdog'

const FALLBACK = '/root/.pyenv/shims/moto_server'

/** The moto_server executable: on PATH, else the pyenv shim; undefined when neither runs. */
export function findMotoServer(path = process.env.PATH ?? '', fallback = FALLBACK): string | undefined {
  const candidates = [
    ...path
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, 'moto_server')),
    fallback,
  ]
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK)
    } catch {
      continue
    }
    // A pyenv shim exists for every installed version; it must actually run here.
    try {
      execFileSync(c, ['--help'], { stdio: 'ignore', timeout: 20_000 })
      return c
    } catch {
      continue
    }
  }
  return undefined
}

/** The moto version python3 imports (normally the moto_server's), or 'unknown'. */
export function motoVersion(): string {
  try {
    return execFileSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8', timeout: 20_000 }).trim()
  } catch {
    return 'unknown'
  }
}

/** Any credentials do for moto; its region must be one moto knows (the stack's cn-* region may not be). */
export const MOTO_CREDS: AwsCredentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'moto-bench-secret', region: 'us-east-1' }

export interface RunningMoto {
  port: number
  pid: number | undefined
  endpoint: string
  keyIds: string[]
  stop(): Promise<void>
}

/**
 * Starts moto_server on `port`, waits until it answers CreateKey (≤ 30 s), creates `keys` keys
 * and checks one Encrypt. The returned `stop` is idempotent; the caller registers it as a cleanup
 * before anything can fail (`register` is called right after the spawn).
 */
export async function startMoto(o: {
  bin: string
  port: number
  cwd: string
  keys: number
  plaintextB64: string
  register: (stop: () => Promise<void>) => void
}): Promise<RunningMoto> {
  const w: Watched = spawnWatched(o.bin, ['-H', '127.0.0.1', '-p', String(o.port)], {
    cwd: o.cwd,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  })
  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= w.stop(5000))
  o.register(stop)
  let output = ''
  w.shell.stdout?.on('data', (d: Buffer) => (output = (output + d.toString('utf8')).slice(-2000)))
  w.shell.stderr?.on('data', (d: Buffer) => (output = (output + d.toString('utf8')).slice(-2000)))
  const endpoint = `http://127.0.0.1:${o.port}`
  const signer = new SigV4Signer(MOTO_CREDS, 'kms')
  const until = Date.now() + 30_000
  let first: string | undefined
  for (;;) {
    if (w.shell.exitCode !== null) throw new Error(`moto_server exited (${w.shell.exitCode}): ${output.trim().slice(-300)}`)
    try {
      const r = await callAws(endpoint, signer, 'TrentService.CreateKey', { Description: 'bench key 0' })
      if (r.status !== 200) throw new Error(`CreateKey answered ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
      first = r.body.KeyMetadata?.KeyId as string
      break
    } catch (err) {
      if (Date.now() > until) {
        await stop()
        throw new Error(`moto_server did not answer CreateKey within 30 s: ${(err as Error).message}`)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  const keyIds = [first]
  for (let i = 1; i < o.keys; i++) {
    const r = await callAws(endpoint, signer, 'TrentService.CreateKey', { Description: `bench key ${i}` })
    if (r.status !== 200) throw new Error(`moto CreateKey answered ${r.status}`)
    keyIds.push(r.body.KeyMetadata?.KeyId as string)
  }
  const e = await callAws(endpoint, signer, 'TrentService.Encrypt', { KeyId: keyIds[0]!, Plaintext: o.plaintextB64 })
  if (e.status !== 200 || typeof e.body.CiphertextBlob !== 'string') throw new Error(`moto Encrypt answered ${e.status}`)
  // The deepest process naming moto_server: the Python server (the pyenv shim execs into it).
  const pid = descendants(w.shell.pid)
    .filter((p) => p.cmdline.includes('moto_server') && !p.cmdline.startsWith('/bin/sh'))
    .pop()?.pid
  return { port: o.port, pid, endpoint, keyIds, stop }
}
