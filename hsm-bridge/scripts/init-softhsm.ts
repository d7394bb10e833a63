/**
 * @module hsm-bridge/scripts/init-softhsm
 *
 * Creates (idempotently) a SoftHSMv2 token for local development and tests:
 * `<dir>/softhsm2.conf` (token store in `<dir>/tokens`), a token labelled `edge-kms` initialised
 * with random SO and user PINs, `<dir>/pins.json` and `<dir>/user.pin` (both mode 0600). Prints
 * nothing secret.
 *
 * CLI: `tsx hsm-bridge/scripts/init-softhsm.ts [dir]` (default `$KMS_DATA_DIR/hsm`). It prints the
 * environment the bridge needs (SOFTHSM2_CONF, HSM_MODULE, HSM_TOKEN_LABEL, HSM_PIN_FILE).
 *
 * WARNING: softhsm2-util takes the PINs as arguments, so they are visible in the process list
 * for the few milliseconds it runs. Fine for a development token; do not use this for anything
 * else. Two concurrent runs on the same directory are not coordinated.
 */

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const DEFAULT_TOKEN_LABEL = 'edge-kms'

/** Where distributions install libsofthsm2.so (Debian/Ubuntu multiarch, Fedora, Homebrew). */
export const SOFTHSM_MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/lib/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
  '/usr/local/opt/softhsm/lib/softhsm/libsofthsm2.so',
]

export interface SoftHsmSetup {
  /** Path of softhsm2.conf; export it as SOFTHSM2_CONF to every process using the token. */
  conf: string
  modulePath: string
  tokenLabel: string
  /** User PIN (HSM_PIN). */
  pin: string
  /** File holding only the user PIN (HSM_PIN_FILE). */
  pinFile: string
}

interface Pins {
  soPin: string
  userPin: string
}

/**
 * The SoftHSMv2 PKCS#11 library: `$SOFTHSM2_MODULE` if set and present, else the first existing
 * {@link SOFTHSM_MODULE_CANDIDATES} entry.
 *
 * @throws never
 */
export function findSoftHsmModule(): string | undefined {
  const override = process.env.SOFTHSM2_MODULE
  if (override !== undefined && override !== '' && existsSync(override)) return override
  return SOFTHSM_MODULE_CANDIDATES.find((p) => existsSync(p))
}

/**
 * Ensures `dir` holds a SoftHSM configuration and an initialised `edge-kms` token.
 *
 * @throws {Error} when SoftHSM is not installed, softhsm2-util fails, or the token exists but
 *   its PINs were lost (pins.json missing).
 */
export async function initSoftHsm(dir: string, options: { tokenLabel?: string } = {}): Promise<SoftHsmSetup> {
  const tokenLabel = options.tokenLabel ?? DEFAULT_TOKEN_LABEL
  const modulePath = findSoftHsmModule()
  if (modulePath === undefined) {
    throw new Error('SoftHSMv2 is not installed (libsofthsm2.so not found)')
  }
  const root = resolve(dir)
  const tokens = join(root, 'tokens')
  await mkdir(tokens, { recursive: true, mode: 0o700 })

  const conf = join(root, 'softhsm2.conf')
  const confText = [`directories.tokendir = ${tokens}`, 'objectstore.backend = file', 'log.level = ERROR', ''].join('\n')
  const current = existsSync(conf) ? await readFile(conf, 'utf8') : undefined
  if (current !== confText) await writeFile(conf, confText, { mode: 0o600 })

  const env = { ...process.env, SOFTHSM2_CONF: conf }
  const pinsPath = join(root, 'pins.json')
  const pinFile = join(root, 'user.pin')
  const { stdout } = await run('softhsm2-util', ['--show-slots'], { env })
  const labels = [...stdout.matchAll(/^\s*Label:\s*(.*?)\s*$/gm)].map((m) => m[1])

  let pins: Pins
  if (labels.includes(tokenLabel)) {
    if (!existsSync(pinsPath)) {
      throw new Error(`token "${tokenLabel}" exists in ${tokens} but ${pinsPath} is missing`)
    }
    pins = JSON.parse(await readFile(pinsPath, 'utf8')) as Pins
  } else {
    pins = { soPin: randomBytes(16).toString('hex'), userPin: randomBytes(16).toString('hex') }
    try {
      const args = ['--init-token', '--free', '--label', tokenLabel]
      await run('softhsm2-util', [...args, '--so-pin', pins.soPin, '--pin', pins.userPin], { env })
    } catch (err) {
      // execFile's message repeats the command line, PINs included: report the exit code only.
      const code = (err as { code?: unknown }).code
      throw new Error(`softhsm2-util --init-token failed (exit ${String(code)})`)
    }
    await writePrivate(pinsPath, JSON.stringify(pins, null, 2) + '\n')
  }
  if (!existsSync(pinFile) || (await readFile(pinFile, 'utf8')) !== pins.userPin) {
    await writePrivate(pinFile, pins.userPin)
  }
  return { conf, modulePath, tokenLabel, pin: pins.userPin, pinFile }
}

/** Writes a 0600 file atomically (temp file + rename). */
async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}

async function cli(): Promise<void> {
  const arg = process.argv[2]
  const dataDir = process.env.KMS_DATA_DIR
  const dir = arg ?? (dataDir !== undefined && dataDir !== '' ? join(dataDir, 'hsm') : undefined)
  if (dir === undefined) {
    process.stderr.write('usage: init-softhsm.ts <dir>   (or set KMS_DATA_DIR)\n')
    process.exit(2)
  }
  const setup = await initSoftHsm(dir)
  process.stdout.write(
    [
      `SOFTHSM2_CONF=${setup.conf}`,
      `HSM_MODULE=${setup.modulePath}`,
      `HSM_TOKEN_LABEL=${setup.tokenLabel}`,
      `HSM_PIN_FILE=${setup.pinFile}`,
      '',
    ].join('\n'),
  )
}

const entry = process.argv[1]
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  cli().catch((err: unknown) => {
    process.stderr.write(`init-softhsm: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  })
}
