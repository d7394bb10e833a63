/**
 * In-process baselines (Node's WebCrypto, one core, sequential awaits): the raw AES-GCM rate and
 * the cost of each cryptographic step on the product's hot path, through core's own functions.
 * workerd uses BoringSSL behind the same WebCrypto API, so these are estimates of the per-request
 * CPU each step costs inside the Worker, not measurements of it.
 */
import { webcrypto } from 'node:crypto'
import { signV1 } from '../../core/auth/signature-v1'
import { hmacUtf8 } from '../../core/auth/hmac'
import { aesGcmSeal } from '../../core/crypto/aead'
import { openBlob, sealBlob } from '../../core/crypto/envelope'
import { ecdsaSignDigest, generateEcKeyPair } from '../../core/crypto/asymmetric/ec'
import { parseRootKeyRing, unwrapUnderRoot, wrapUnderRoot, generateRootKeyRingJson } from '../../core/crypto/root-key'

export interface MicroResult {
  name: string
  opsPerSec: number
  usPerOp: number
  what: string
  /** Operations in flight at once (1: sequential awaits). */
  concurrency?: number
}

/** Names of the EC P-256 signing baselines (the AsymmetricSign target, lib/targets.ts). */
export const EC_SIGN_SEQUENTIAL = 'webcrypto-ecdsa-p256-sign'
export const EC_SIGN_CONCURRENT = 'webcrypto-ecdsa-p256-sign-concurrent'

/** `op` with `concurrency` calls in flight for `ms` (after a warm-up); ops/s over the window. */
async function measureConcurrent(
  name: string,
  what: string,
  ms: number,
  concurrency: number,
  op: () => Promise<unknown>,
): Promise<MicroResult> {
  for (let i = 0; i < 200; i++) await op()
  let n = 0
  const t0 = performance.now()
  const until = t0 + ms
  const lane = async () => {
    while (performance.now() < until && n < 5_000_000) {
      await op()
      n++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  const elapsed = performance.now() - t0
  return {
    name,
    what,
    concurrency,
    opsPerSec: Math.round((n / elapsed) * 1000),
    // Wall time per op across all lanes (not CPU per op).
    usPerOp: Math.round(((elapsed * 1000) / n) * 10) / 10,
  }
}

async function measure(name: string, what: string, ms: number, op: () => Promise<unknown>): Promise<MicroResult> {
  for (let i = 0; i < 200; i++) await op() // warm-up (JIT, key caches)
  let n = 0
  const t0 = performance.now()
  const until = t0 + ms
  while (performance.now() < until && n < 5_000_000) {
    for (let i = 0; i < 50; i++) await op()
    n += 50
  }
  const elapsed = performance.now() - t0
  return {
    name,
    what,
    opsPerSec: Math.round((n / elapsed) * 1000),
    usPerOp: Math.round(((elapsed * 1000) / n) * 10) / 10,
  }
}

/**
 * @param ms - window of each baseline
 * @param sign - the EC P-256 signing baselines: their window (the bench's phase length) and the
 *   concurrency of the API load (its connections)
 */
export async function runMicro(ms: number, sign: { ms: number; concurrency: number } = { ms, concurrency: 32 }): Promise<MicroResult[]> {
  const subtle = webcrypto.subtle
  const keyBytes = webcrypto.getRandomValues(new Uint8Array(32))
  const iv = webcrypto.getRandomValues(new Uint8Array(12))
  const plaintext = webcrypto.getRandomValues(new Uint8Array(32))
  const aesKey = await subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['encrypt'])
  const ring = parseRootKeyRing(generateRootKeyRingJson('rk-bench'))
  const wrapped = await wrapUnderRoot(ring, keyBytes, 'keymaterial:bench:bench')
  const blobKey = { keyId: '0b3c5f0e-1111-4222-8333-444455556666', versionId: '1b3c5f0e-1111-4222-8333-444455556666', material: keyBytes }
  const blob = await sealBlob(blobKey, plaintext, {})
  const params: Record<string, string> = {
    Action: 'Encrypt',
    Version: '2016-01-20',
    Format: 'JSON',
    RegionId: 'cn-hangzhou',
    AccessKeyId: 'LTAIabcdefghijklmnopqrst',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: 'bench-nonce-0001',
    Timestamp: '2026-01-01T00:00:00Z',
    KeyId: blobKey.keyId,
    Plaintext: Buffer.from(plaintext).toString('base64'),
  }
  const out: MicroResult[] = []
  out.push(
    await measure(
      'webcrypto-aes-gcm-encrypt-32B',
      'raw WebCrypto AES-256-GCM encrypt of 32 bytes, key imported once (the crypto floor)',
      ms,
      () => subtle.encrypt({ name: 'AES-GCM', iv }, aesKey, plaintext),
    ),
  )
  out.push(
    await measure('core-aesGcmSeal-32B', 'core aesGcmSeal: importKey + AES-256-GCM encrypt of 32 bytes', ms, () =>
      aesGcmSeal(keyBytes, iv, plaintext, new Uint8Array(0)),
    ),
  )
  out.push(
    await measure(
      'core-unwrapUnderRoot',
      'core unwrapUnderRoot: one root-key unwrap (access-key secret or key material; 2 per Encrypt)',
      ms,
      () => unwrapUnderRoot(ring, wrapped, 'keymaterial:bench:bench'),
    ),
  )
  out.push(
    await measure('core-sealBlob-32B', 'core sealBlob: HKDF message key + AES-GCM seal of 32 bytes (Encrypt/GenerateDataKey)', ms, () =>
      sealBlob(blobKey, plaintext, {}),
    ),
  )
  out.push(await measure('core-openBlob-32B', 'core openBlob: HKDF + AES-GCM open (Decrypt)', ms, () => openBlob(blobKey, blob, {})))
  out.push(
    await measure('core-hmac-sha1', 'core hmacUtf8 SHA-1 over a 300-byte StringToSign (importKey + sign)', ms, () =>
      hmacUtf8('SHA-1', 'abcdefghijklmnopqrstuvwxyz0123&', 'x'.repeat(300)),
    ),
  )
  out.push(
    await measure('core-signV1', 'core signV1: canonicalize 11 params + HMAC-SHA1 (≈ the server-side verify)', ms, () =>
      signV1('GET', params, 'abcdefghijklmnopqrstuvwxyz0123'),
    ),
  )
  // EC P-256 signing, the AsymmetricSign baseline. WebCrypto signs a message (it hashes it
  // itself): the 32-byte digest the API receives is signed as the message, which adds one SHA-256
  // of 32 bytes. The API itself signs the digest with @noble/curves (core ecdsaSignDigest), also
  // measured here.
  const ecPair = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode('edge-kms bench')))
  const ecdsa = { name: 'ECDSA', hash: 'SHA-256' }
  out.push(
    await measure(
      EC_SIGN_SEQUENTIAL,
      'WebCrypto ECDSA P-256 / SHA-256 sign of a 32-byte digest (as the message), key imported once, one at a time',
      sign.ms,
      () => subtle.sign(ecdsa, ecPair.privateKey, digest),
    ),
  )
  out.push(
    await measureConcurrent(
      EC_SIGN_CONCURRENT,
      `the same with ${sign.concurrency} signatures in flight (Node runs WebCrypto jobs on its thread pool: may use more than one core)`,
      sign.ms,
      sign.concurrency,
      () => subtle.sign(ecdsa, ecPair.privateKey, digest),
    ),
  )
  const stored = await generateEcKeyPair('P-256', (n) => webcrypto.getRandomValues(new Uint8Array(n)))
  out.push(
    await measure(
      'core-ecdsaSignDigest-p256',
      "core ecdsaSignDigest: @noble/curves P-256 over the digest, DER, hedged (what the API's AsymmetricSign runs)",
      ms,
      async () => ecdsaSignDigest('P-256', stored.pkcs8, digest, (n) => webcrypto.getRandomValues(new Uint8Array(n))),
    ),
  )
  return out
}
