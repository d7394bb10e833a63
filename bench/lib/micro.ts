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
import { parseRootKeyRing, unwrapUnderRoot, wrapUnderRoot, generateRootKeyRingJson } from '../../core/crypto/root-key'

export interface MicroResult {
  name: string
  opsPerSec: number
  usPerOp: number
  what: string
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

export async function runMicro(ms: number): Promise<MicroResult[]> {
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
  return out
}
