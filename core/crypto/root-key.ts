/**
 * @module core/crypto/root-key
 *
 * The root of trust. Software key-version material and other stored secrets (AccessKey secrets,
 * ...) are persisted only wrapped under a 256-bit root key that reaches the Worker as a secret
 * binding, never in the database.
 *
 * Secret (JSON) form of the root key ring; old ids stay in `keys` after rotation so values wrapped
 * under them still unwrap, while new values are wrapped under `current`:
 *
 * ```
 * {"current":"rk-2026a","keys":{"rk-2026a":"<base64 of 32 bytes>", "rk-2025b":"<...>"}}
 * ```
 *
 * Wrapped form (ASCII, safe to store in any text column):
 *
 * ```
 * rk1.<rootKeyId>.<base64(iv(12) || ciphertext || tag(16))>
 * ```
 *
 * AES-256-GCM with a random 96-bit IV and AAD = UTF-8 of `"edge-kms/root/v1|" + rootKeyId + "|"
 * + aad`, where `aad` names the slot the value belongs to (e.g. key id + version id), so a wrapped
 * value cannot be moved to another record. Random IVs are safe here: a root key wraps a number
 * of values many orders of magnitude below the SP 800-38D 2^32 bound.
 *
 * Every error message is fixed text: no key bytes, no wrapped values, no root key ids.
 */

import { KmsError } from '../errors'
import { concatBytes, fromBase64, toBase64, utf8, zeroize } from './bytes'
import { aesGcmOpenWithKey, aesGcmSealWithKey, GCM_IV_BYTES, GCM_TAG_BYTES, importAesGcmKey } from './aead'
import { checkRandomOutput, randomBytes, type RandomSource } from './random'

/** A 256-bit root key and its id (`[A-Za-z0-9_-]{1,64}`). */
export interface RootKey {
  id: string
  key: Uint8Array
}

/** All root keys the Worker knows: `current` wraps new values, `byId` unwraps old ones. */
export interface RootKeyRing {
  current: RootKey
  byId: Map<string, RootKey>
}

const ROOT_KEY_ID_RE = /^[A-Za-z0-9_-]{1,64}$/
const ROOT_KEY_BYTES = 32
const WRAP_PREFIX = 'rk1.'

function ringError(why: string): KmsError {
  return new KmsError('internal', `root key ring configuration is invalid: ${why}`)
}

function unwrapError(cause: string): KmsError {
  return new KmsError('internal', 'stored key material could not be unwrapped', {
    cause: new Error(cause),
  })
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Parses the root key ring secret.
 *
 * @param json - `{"current":"<id>","keys":{"<id>":"<base64 32 bytes>", ...}}`; no other fields.
 * @returns the ring; `current` is also present in `byId`.
 * @throws {KmsError} code `internal` when the JSON is malformed, has unknown fields, an invalid
 *   id, a key that is not strict base64 of exactly 32 bytes, or `current` is not in `keys`. The
 *   message never contains key bytes (nor ids, which could be a mis-pasted key).
 */
export function parseRootKeyRing(json: string): RootKeyRing {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    // no cause: a SyntaxError message quotes the input, which contains the keys
    throw ringError('not valid JSON')
  }
  if (!isPlainObject(parsed)) throw ringError('not a JSON object')
  for (const field of Object.keys(parsed)) {
    if (field !== 'current' && field !== 'keys') throw ringError('unknown field')
  }
  const { current, keys } = parsed
  if (typeof current !== 'string' || !ROOT_KEY_ID_RE.test(current)) {
    throw ringError('"current" must be a root key id ([A-Za-z0-9_-]{1,64})')
  }
  if (!isPlainObject(keys)) throw ringError('"keys" must be an object')
  const byId = new Map<string, RootKey>()
  for (const [id, encoded] of Object.entries(keys)) {
    if (!ROOT_KEY_ID_RE.test(id)) throw ringError('root key ids must match [A-Za-z0-9_-]{1,64}')
    const key = typeof encoded === 'string' ? fromBase64(encoded) : undefined
    if (key === undefined || key.length !== ROOT_KEY_BYTES) {
      zeroize(key)
      throw ringError('every key must be standard base64 of exactly 32 bytes')
    }
    byId.set(id, { id, key })
  }
  const currentKey = byId.get(current)
  if (currentKey === undefined) throw ringError('"current" does not name a key in "keys"')
  return { current: currentKey, byId }
}

/**
 * Root keys imported into WebCrypto once per ring entry (non-extractable), not per call: the raw
 * bytes already live in the ring for the isolate's lifetime, so this adds no exposure and saves
 * an importKey on every unwrap (every request authenticates with an unwrapped AccessKey secret).
 */
const imported = new WeakMap<RootKey, { encrypt?: Promise<CryptoKey>; decrypt?: Promise<CryptoKey> }>()

function rootCryptoKey(rootKey: RootKey, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  let entry = imported.get(rootKey)
  if (!entry) imported.set(rootKey, (entry = {}))
  let key = entry[usage]
  if (!key) {
    key = importAesGcmKey(rootKey.key, usage)
    entry[usage] = key
    // A failed import is not remembered.
    key.catch(() => {
      if (entry[usage] === key) entry[usage] = undefined
    })
  }
  return key
}

function wrapAad(rootKeyId: string, aad: string): Uint8Array {
  return utf8(`edge-kms/root/v1|${rootKeyId}|${aad}`)
}

/**
 * Wraps a secret under the ring's current root key.
 *
 * @param ring - the root key ring.
 * @param plaintext - the secret (not modified).
 * @param aad - names the record the value belongs to; must be given again to unwrap.
 * @param random - source of the 12-byte IV; defaults to {@link randomBytes}.
 * @returns `rk1.<rootKeyId>.<base64(iv || ciphertext || tag)>`.
 * @throws {KmsError} code `internal` when the random source fails its health check.
 */
export async function wrapUnderRoot(
  ring: RootKeyRing,
  plaintext: Uint8Array,
  aad: string,
  random: RandomSource = randomBytes,
): Promise<string> {
  const { id } = ring.current
  const iv = checkRandomOutput(random(GCM_IV_BYTES), GCM_IV_BYTES)
  const sealed = await aesGcmSealWithKey(await rootCryptoKey(ring.current, 'encrypt'), iv, plaintext, wrapAad(id, aad))
  return `${WRAP_PREFIX}${id}.${toBase64(concatBytes(iv, sealed))}`
}

/**
 * Unwraps a value produced by {@link wrapUnderRoot}, with the root key named in it.
 *
 * @param ring - the root key ring (must still contain the key the value was wrapped under).
 * @param wrapped - the `rk1.` string.
 * @param aad - the same `aad` as when wrapping.
 * @returns the secret, a fresh buffer owned by the caller (zeroize after use).
 * @throws {KmsError} code `internal`, message "stored key material could not be unwrapped", for
 *   any failure: malformed string, unknown root key id, wrong aad, tampering. This is
 *   server-side corruption or misconfiguration, never client input.
 */
export async function unwrapUnderRoot(ring: RootKeyRing, wrapped: string, aad: string): Promise<Uint8Array> {
  if (typeof wrapped !== 'string' || !wrapped.startsWith(WRAP_PREFIX)) {
    throw unwrapError('unknown wrapping format')
  }
  const parts = wrapped.slice(WRAP_PREFIX.length).split('.')
  if (parts.length !== 2) throw unwrapError('malformed wrapped value')
  const [id, encoded] = parts as [string, string]
  const rootKey = ROOT_KEY_ID_RE.test(id) ? ring.byId.get(id) : undefined
  if (rootKey === undefined) throw unwrapError('root key id not in the ring')
  const bytes = fromBase64(encoded)
  if (bytes === undefined || bytes.length < GCM_IV_BYTES + GCM_TAG_BYTES) {
    throw unwrapError('malformed wrapped value')
  }
  try {
    return await aesGcmOpenWithKey(
      await rootCryptoKey(rootKey, 'decrypt'),
      bytes.subarray(0, GCM_IV_BYTES),
      bytes.subarray(GCM_IV_BYTES),
      wrapAad(id, aad),
    )
  } catch {
    throw unwrapError('authentication failed')
  }
}

/**
 * Creates the JSON of a fresh one-key ring (for the local setup script).
 *
 * @param id - root key id (`[A-Za-z0-9_-]{1,64}`); defaults to `rk-YYYYMMDD` (UTC today).
 * @param random - source of the 32 key bytes; defaults to {@link randomBytes}.
 * @returns `{"current":"<id>","keys":{"<id>":"<base64>"}}` — a secret; handle accordingly.
 * @throws {RangeError} when `id` does not match `[A-Za-z0-9_-]{1,64}`.
 * @throws {KmsError} code `internal` when the random source fails its health check.
 */
export function generateRootKeyRingJson(id?: string, random: RandomSource = randomBytes): string {
  const rootKeyId = id ?? `rk-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`
  if (!ROOT_KEY_ID_RE.test(rootKeyId)) {
    throw new RangeError('root key id must match [A-Za-z0-9_-]{1,64}')
  }
  const key = checkRandomOutput(random(ROOT_KEY_BYTES), ROOT_KEY_BYTES)
  try {
    return JSON.stringify({ current: rootKeyId, keys: { [rootKeyId]: toBase64(key) } })
  } finally {
    zeroize(key)
  }
}
