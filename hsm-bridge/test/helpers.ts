/**
 * @module hsm-bridge/test/helpers
 *
 * Fixtures for the SoftHSM-backed suites: a fresh token per test file (init-softhsm in a temp
 * directory), the bridge as a child process (`node --import tsx hsm-bridge/src/main.ts`: one
 * process, so `kill -9` really kills the bridge; the tsx CLI would add a parent process), and raw
 * signed requests for the protocol tests.
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { findSoftHsmModule, initSoftHsm, type SoftHsmSetup } from '../scripts/init-softhsm.js'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const SOFTHSM_MODULE = findSoftHsmModule()
export const NO_SOFTHSM = SOFTHSM_MODULE === undefined
export const SKIP_REASON = 'SoftHSMv2 is not installed (no libsofthsm2.so; apt-get install softhsm2): ' + 'hsm-bridge suites skipped'

if (NO_SOFTHSM) console.warn(SKIP_REASON)

export interface TokenFixture {
  dir: string
  setup: SoftHsmSetup
  cleanup(): Promise<void>
}

/** A new SoftHSM token in a temp directory. */
export async function makeToken(): Promise<TokenFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'hsm-bridge-test-'))
  const setup = await initSoftHsm(dir)
  return { dir, setup, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export function newSecret(): string {
  return randomBytes(32).toString('hex')
}

/** Environment for the bridge on `token`. */
export function bridgeEnv(setup: SoftHsmSetup, secret: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SOFTHSM2_CONF: setup.conf,
    HSM_MODULE: setup.modulePath,
    HSM_TOKEN_LABEL: setup.tokenLabel,
    HSM_PIN_FILE: setup.pinFile,
    HSM_BRIDGE_SECRET: secret,
    HSM_BRIDGE_HOST: '127.0.0.1',
    HSM_BRIDGE_PORT: '0',
    HSM_BRIDGE_LOG_LEVEL: 'error',
    ...extra,
  }
}

export interface RunningBridge {
  url: string
  port: number
  proc: ChildProcess
  /** Everything the process wrote to stderr so far. */
  stderr: () => string
  exited: Promise<number | null>
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>
}

/**
 * Starts the bridge and resolves once it printed its ready line.
 *
 * @throws {Error} when it exits or stays silent for `timeoutMs`.
 */
export function spawnBridge(env: Record<string, string>, timeoutMs = 20_000): Promise<RunningBridge> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'hsm-bridge/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`bridge did not start in ${timeoutMs} ms; stderr:\n${stderr}`))
    }, timeoutMs)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`bridge exited with ${code} before ready; stderr:\n${stderr}`))
    })
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      const m = /^hsm-bridge ready on (http:\/\/[^\s:]+:(\d+))\n/m.exec(stdout)
      if (m === null) return
      clearTimeout(timer)
      resolvePromise({
        url: m[1]!,
        port: Number(m[2]),
        proc,
        stderr: () => stderr,
        exited,
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
          return exited
        },
      })
    })
  })
}

export interface SignedRequestOptions {
  method?: string
  path: string
  body?: string | Uint8Array
  secret: string
  date?: number
  nonce?: string
  /** Replace the computed signature. */
  signature?: string
  /** Headers to drop from the signed request. */
  omit?: string[]
}

export interface SignedRequest {
  url: string
  init: RequestInit
  nonce: string
}

/** Builds a request signed like HsmBridgeClient does (with knobs to break it). */
export function signedRequest(baseUrl: string, o: SignedRequestOptions): SignedRequest {
  const method = o.method ?? 'POST'
  const body =
    method === 'GET' ? Buffer.alloc(0) : typeof o.body === 'string' ? Buffer.from(o.body) : Buffer.from(o.body ?? Buffer.from('{}'))
  const date = String(o.date ?? Date.now())
  const nonce = o.nonce ?? randomBytes(16).toString('hex')
  const bodyHash = createHash('sha256').update(body).digest('hex')
  const signature =
    o.signature ?? createHmac('sha256', o.secret).update(`${method}\n${o.path}\n${date}\n${nonce}\n${bodyHash}`).digest('hex')
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-bridge-date': date,
    'x-bridge-nonce': nonce,
    'x-bridge-signature': signature,
  }
  for (const h of o.omit ?? []) delete headers[h]
  return {
    url: `${baseUrl}${o.path}`,
    init: { method, headers, ...(method === 'GET' ? {} : { body }) },
    nonce,
  }
}

export interface RawResponse {
  status: number
  json: { error?: { code: string; message: string } } & Record<string, unknown>
  headers: Headers
  text: string
}

export async function send(req: SignedRequest): Promise<RawResponse> {
  const res = await fetch(req.url, req.init)
  const text = await res.text()
  let json: RawResponse['json'] = {}
  try {
    json = JSON.parse(text) as RawResponse['json']
  } catch {
    // Leave empty; the test asserts on status.
  }
  return { status: res.status, json, headers: res.headers, text }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
