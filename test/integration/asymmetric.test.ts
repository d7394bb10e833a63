/**
 * Asymmetric keys end to end through the official SDKs against the real stack (Worker in
 * workerd): signatures made by the service verify with WebCrypto, node:crypto and the openssl
 * CLI; OpenSSL public-key encryption decrypts in the service; bad input is a 4xx that changes
 * nothing; CreateKeyVersion limits; ExportDataKey / GenerateAndExportDataKey and ReEncrypt with an
 * asymmetric source (not in kms20160120 1.2.0, so through openapi-client callApi).
 * The other direction (signatures made by OpenSSL verified by the service) needs a private key
 * the customer holds: see byok.test.ts (imported keys).
 * Finally the Wycheproof vectors of core/crypto/asymmetric/wycheproof.test.ts run again inside
 * workerd, where the RSA engine is BoringSSL rather than Node's OpenSSL.
 */
import { execFile } from 'node:child_process'
import * as nodeCrypto from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { p256 } from '@noble/curves/nist.js'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from '../../scripts/lib/stack'
import { b64, Kms, kmsClient, openApiCaller, sdkError } from './clients'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'kms-asym-'))
let files = 0
afterAll(async () => {
  await run('rm', ['-rf', dir])
})

/** Writes `data` to a fresh temp file and returns its path. */
function file(data: Uint8Array | string): string {
  const path = join(dir, `f${files++}`)
  writeFileSync(path, data)
  return path
}

async function openssl(...args: string[]): Promise<{ ok: boolean; stdout: string }> {
  try {
    const { stdout } = await run('openssl', args)
    return { ok: true, stdout }
  } catch (err) {
    return { ok: false, stdout: String((err as { stdout?: string }).stdout ?? '') }
  }
}

const sha256 = (data: Uint8Array) => new Uint8Array(nodeCrypto.createHash('sha256').update(data).digest())
const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))

async function createAsymmetricKey(keySpec: string, keyUsage: string) {
  const { keyMetadata } = await kmsClient().createKey(new Kms.CreateKeyRequest({ keySpec, keyUsage }))
  return { keyId: keyMetadata.keyId, versionId: keyMetadata.primaryKeyVersion, meta: keyMetadata }
}

async function publicKeyPem(keyId: string, keyVersionId: string): Promise<string> {
  const res = await kmsClient().getPublicKey(new Kms.GetPublicKeyRequest({ keyId, keyVersionId }))
  expect(res.keyId).toBe(keyId)
  expect(res.keyVersionId).toBe(keyVersionId)
  return res.publicKey
}

const SIGNERS = [
  { keySpec: 'RSA_2048', algorithm: 'RSA_PSS_SHA_256' },
  { keySpec: 'RSA_2048', algorithm: 'RSA_PKCS1_SHA_256' },
  { keySpec: 'RSA_3072', algorithm: 'RSA_PSS_SHA_256' },
  { keySpec: 'RSA_4096', algorithm: 'RSA_PKCS1_SHA_256' },
  { keySpec: 'EC_P256', algorithm: 'ECDSA_SHA_256' },
  { keySpec: 'EC_P256K', algorithm: 'ECDSA_SHA_256' },
]

/** WebCrypto verification (no secp256k1 in WebCrypto); ECDSA DER is converted to P1363. */
async function webCryptoVerify(pem: string, keySpec: string, algorithm: string, message: Uint8Array, signature: Uint8Array) {
  const spki = nodeCrypto.createPublicKey(pem).export({ type: 'spki', format: 'der' })
  if (algorithm === 'ECDSA_SHA_256') {
    const key = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
    const p1363 = p256.Signature.fromBytes(signature, 'der').toBytes('compact')
    return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, new Uint8Array(p1363), new Uint8Array(message))
  }
  const name = algorithm === 'RSA_PSS_SHA_256' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5'
  const key = await crypto.subtle.importKey('spki', spki, { name, hash: 'SHA-256' }, false, ['verify'])
  expect(keySpec).toMatch(/^RSA_/)
  return crypto.subtle.verify({ name, saltLength: 32 }, key, new Uint8Array(signature), new Uint8Array(message))
}

function nodeVerify(pem: string, algorithm: string, message: Uint8Array, signature: Uint8Array): boolean {
  const key = nodeCrypto.createPublicKey(pem)
  const opts =
    algorithm === 'RSA_PSS_SHA_256'
      ? { key, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : { key, dsaEncoding: 'der' as const }
  return nodeCrypto.verify('sha256', message, opts, signature)
}

const PSS_OPTS = (flag: string) => [flag, 'rsa_padding_mode:pss', flag, 'rsa_pss_saltlen:32', flag, 'rsa_mgf1_md:sha256']

describe('AsymmetricSign → independent verifiers', () => {
  for (const { keySpec, algorithm } of SIGNERS) {
    it(`${keySpec} ${algorithm}: verifies with WebCrypto, node:crypto, openssl dgst and pkeyutl, and AsymmetricVerify`, async () => {
      const client = kmsClient()
      const { keyId, versionId, meta } = await createAsymmetricKey(keySpec, 'SIGN/VERIFY')
      expect(meta).toMatchObject({ keySpec, keyUsage: 'SIGN/VERIFY', keyState: 'Enabled', origin: 'Aliyun_KMS' })
      const pem = await publicKeyPem(keyId, versionId)
      expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
      const pemFile = file(pem)
      for (let i = 0; i < 3; i++) {
        const message = nodeCrypto.randomBytes(64 + i)
        const digest = sha256(message)
        const res = await client.asymmetricSign(
          new Kms.AsymmetricSignRequest({ keyId, keyVersionId: versionId, algorithm, digest: b64(digest) }),
        )
        expect(res.keyId).toBe(keyId)
        expect(res.keyVersionId).toBe(versionId)
        const signature = fromB64(res.value)
        if (keySpec !== 'EC_P256K') expect(await webCryptoVerify(pem, keySpec, algorithm, message, signature)).toBe(true)
        expect(nodeVerify(pem, algorithm, message, signature)).toBe(true)
        const sigFile = file(signature)
        const pss = algorithm === 'RSA_PSS_SHA_256'
        const dgst = await openssl(
          'dgst',
          '-sha256',
          '-verify',
          pemFile,
          '-signature',
          sigFile,
          ...(pss ? PSS_OPTS('-sigopt') : []),
          file(message),
        )
        expect(dgst.stdout).toContain('Verified OK')
        const pkeyutl = await openssl(
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          pemFile,
          '-in',
          file(digest),
          '-sigfile',
          sigFile,
          '-pkeyopt',
          'digest:sha256',
          ...(pss ? PSS_OPTS('-pkeyopt') : []),
        )
        expect(pkeyutl.stdout).toContain('Signature Verified Successfully')

        const verify = (sig: Uint8Array, d = digest) =>
          client.asymmetricVerify(
            new Kms.AsymmetricVerifyRequest({ keyId, keyVersionId: versionId, algorithm, digest: b64(d), value: b64(sig) }),
          )
        const ok = await verify(signature)
        expect(ok.value).toBe(true)
        const tampered = signature.slice()
        tampered[Math.floor(tampered.length / 2)]! ^= 0x10
        expect((await verify(tampered)).value).toBe(false)
        expect((await verify(signature, sha256(nodeCrypto.randomBytes(8)))).value).toBe(false)
        expect(
          (
            await openssl(
              'dgst',
              '-sha256',
              '-verify',
              pemFile,
              '-signature',
              file(tampered),
              ...(pss ? PSS_OPTS('-sigopt') : []),
              file(message),
            )
          ).ok,
        ).toBe(false)
      }
    })
  }

  it('answers AsymmetricVerify with a JSON boolean over ACS3 (openapi-client)', async () => {
    const call = openApiCaller()
    const { keyId, versionId } = await createAsymmetricKey('EC_P256', 'SIGN/VERIFY')
    const digest = b64(sha256(Buffer.from('acs3')))
    const signed = await call('AsymmetricSign', { KeyId: keyId, KeyVersionId: versionId, Algorithm: 'ECDSA_SHA_256', Digest: digest })
    const verified = await call('AsymmetricVerify', {
      KeyId: keyId,
      KeyVersionId: versionId,
      Algorithm: 'ECDSA_SHA_256',
      Digest: digest,
      Value: signed.Value,
    })
    expect(verified).toMatchObject({ KeyId: keyId, KeyVersionId: versionId, Value: true })
    expect(typeof verified.RequestId).toBe('string')
  })
})

describe('AsymmetricEncrypt / AsymmetricDecrypt', () => {
  for (const [keySpec, algorithm, max, md] of [
    ['RSA_2048', 'RSAES_OAEP_SHA_256', 190, 'sha256'],
    ['RSA_2048', 'RSAES_OAEP_SHA_1', 214, 'sha1'],
    ['RSA_3072', 'RSAES_OAEP_SHA_256', 318, 'sha256'],
  ] as const) {
    it(`${keySpec} ${algorithm}: round-trips ${max} bytes, refuses ${max + 1}, and decrypts what openssl pkeyutl encrypted`, async () => {
      const client = kmsClient()
      const { keyId, versionId } = await createAsymmetricKey(keySpec, 'ENCRYPT/DECRYPT')
      const plaintext = nodeCrypto.randomBytes(max)
      const enc = await client.asymmetricEncrypt(
        new Kms.AsymmetricEncryptRequest({ keyId, keyVersionId: versionId, algorithm, plaintext: b64(plaintext) }),
      )
      expect(enc).toMatchObject({ keyId, keyVersionId: versionId })
      const dec = await client.asymmetricDecrypt(
        new Kms.AsymmetricDecryptRequest({ keyId, keyVersionId: versionId, algorithm, ciphertextBlob: enc.ciphertextBlob }),
      )
      expect(Buffer.from(dec.plaintext, 'base64').equals(plaintext)).toBe(true)
      const tooLong = await sdkError(
        client.asymmetricEncrypt(
          new Kms.AsymmetricEncryptRequest({ keyId, keyVersionId: versionId, algorithm, plaintext: b64(nodeCrypto.randomBytes(max + 1)) }),
        ),
      )
      // kms20160120 1.2.0 does not expose the HTTP status; statuses are asserted through callApi below.
      expect(tooLong.code).toBe('InvalidParameter')

      const pemFile = file(await publicKeyPem(keyId, versionId))
      const out = join(dir, `ct${files++}`)
      const secret = nodeCrypto.randomBytes(40)
      const res = await openssl(
        'pkeyutl',
        '-encrypt',
        '-pubin',
        '-inkey',
        pemFile,
        '-in',
        file(secret),
        '-out',
        out,
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        `rsa_oaep_md:${md}`,
        '-pkeyopt',
        `rsa_mgf1_md:${md}`,
      )
      expect(res.ok).toBe(true)
      const fromOpenssl = await client.asymmetricDecrypt(
        new Kms.AsymmetricDecryptRequest({ keyId, keyVersionId: versionId, algorithm, ciphertextBlob: b64(readFileSync(out)) }),
      )
      expect(Buffer.from(fromOpenssl.plaintext, 'base64').equals(secret)).toBe(true)
    })
  }

  it('answers the uniform InvalidCiphertext for tampered, truncated and wrong-algorithm ciphertext', async () => {
    const client = kmsClient()
    const { keyId, versionId } = await createAsymmetricKey('RSA_2048', 'ENCRYPT/DECRYPT')
    const enc = await client.asymmetricEncrypt(
      new Kms.AsymmetricEncryptRequest({ keyId, keyVersionId: versionId, algorithm: 'RSAES_OAEP_SHA_256', plaintext: b64('x') }),
    )
    const ct = fromB64(enc.ciphertextBlob)
    const tampered = ct.slice()
    tampered[5]! ^= 1
    for (const [blob, algorithm] of [
      [tampered, 'RSAES_OAEP_SHA_256'],
      [ct.subarray(1), 'RSAES_OAEP_SHA_256'],
      [ct, 'RSAES_OAEP_SHA_1'],
    ] as const) {
      const err = await sdkError(
        client.asymmetricDecrypt(
          new Kms.AsymmetricDecryptRequest({ keyId, keyVersionId: versionId, algorithm, ciphertextBlob: b64(blob) }),
        ),
      )
      expect(err.code).toBe('InvalidCiphertext')
    }
  })
})

describe('bad input is a 4xx that writes nothing', () => {
  it('missing or wrong KeyVersionId, wrong usage, wrong algorithm, bad digests and DryRun', async () => {
    const call = openApiCaller()
    const signer = await createAsymmetricKey('RSA_2048', 'SIGN/VERIFY')
    const encrypter = await createAsymmetricKey('RSA_2048', 'ENCRYPT/DECRYPT')
    const { KeyMetadata: sym } = await call('CreateKey', {})
    const digest = b64(sha256(Buffer.from('d')))
    const base = { KeyId: signer.keyId, KeyVersionId: signer.versionId, Algorithm: 'RSA_PSS_SHA_256', Digest: digest }
    const before = await call('DescribeKey', { KeyId: signer.keyId })
    const cases: Array<[string, Record<string, string>, string, number]> = [
      ['AsymmetricSign', { ...base, KeyVersionId: undefined as never }, 'MissingParameter', 400],
      ['AsymmetricSign', { ...base, KeyVersionId: encrypter.versionId }, 'Forbidden.KeyVersionNotFound', 404],
      ['AsymmetricSign', { ...base, KeyVersionId: 'nope' }, 'Forbidden.KeyVersionNotFound', 404],
      ['AsymmetricSign', { ...base, Algorithm: 'ECDSA_SHA_256' }, 'InvalidParameter', 400],
      ['AsymmetricSign', { ...base, Algorithm: 'SM2DSA' }, 'InvalidParameter', 400],
      ['AsymmetricSign', { ...base, Digest: b64(new Uint8Array(20)) }, 'InvalidParameter', 400],
      ['AsymmetricSign', { ...base, Digest: 'not base64!' }, 'InvalidParameter', 400],
      ['AsymmetricSign', { ...base, KeyId: encrypter.keyId, KeyVersionId: encrypter.versionId }, 'Rejected.UnsupportedKeyUsage', 400],
      ['AsymmetricSign', { ...base, KeyId: sym.KeyId, KeyVersionId: sym.PrimaryKeyVersion }, 'Rejected.UnsupportedKeyUsage', 400],
      ['AsymmetricSign', { ...base, DryRun: 'true' }, 'DryRunOperation', 412],
      ['AsymmetricVerify', { ...base }, 'MissingParameter', 400],
      [
        'AsymmetricEncrypt',
        { KeyId: signer.keyId, KeyVersionId: signer.versionId, Algorithm: 'RSAES_OAEP_SHA_256', Plaintext: b64('x') },
        'Rejected.UnsupportedKeyUsage',
        400,
      ],
      [
        'AsymmetricEncrypt',
        { KeyId: encrypter.keyId, KeyVersionId: encrypter.versionId, Algorithm: 'RSA_PSS_SHA_256', Plaintext: b64('x') },
        'InvalidParameter',
        400,
      ],
      ['GetPublicKey', { KeyId: signer.keyId }, 'MissingParameter', 400],
      ['GetPublicKey', { KeyId: sym.KeyId, KeyVersionId: sym.PrimaryKeyVersion }, 'Rejected.UnsupportedKeyUsage', 400],
      ['CreateKey', { KeySpec: 'EC_P256', KeyUsage: 'ENCRYPT/DECRYPT' }, 'Rejected.UnsupportedKeyUsage', 400],
      ['CreateKey', { KeySpec: 'Aliyun_AES_128' }, 'Unsupported.KeySpec', 400],
      ['CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN/VERIFY', EnableAutomaticRotation: 'true' }, 'Rejected.UnsupportedKeyUsage', 400],
    ]
    for (const [action, params, code, status] of cases) {
      const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined))
      const err = await sdkError(call(action, clean))
      expect([action, err.code, err.statusCode], JSON.stringify(clean)).toEqual([action, code, status])
    }
    const after = await call('DescribeKey', { KeyId: signer.keyId })
    expect(after.KeyMetadata).toEqual(before.KeyMetadata)
    expect((await call('ListKeyVersions', { KeyId: signer.keyId })).TotalCount).toBe(1)
  })

  it('refuses disabled keys with Rejected.Disabled', async () => {
    const client = kmsClient()
    const { keyId, versionId } = await createAsymmetricKey('EC_P256', 'SIGN/VERIFY')
    await client.disableKey(new Kms.DisableKeyRequest({ keyId }))
    const err = await sdkError(client.getPublicKey(new Kms.GetPublicKeyRequest({ keyId, keyVersionId: versionId })))
    expect(err.code).toBe('Rejected.Disabled')
    const viaAcs3 = await sdkError(
      openApiCaller()('AsymmetricSign', {
        KeyId: keyId,
        KeyVersionId: versionId,
        Algorithm: 'ECDSA_SHA_256',
        Digest: b64(new Uint8Array(32)),
      }),
    )
    expect([viaAcs3.code, viaAcs3.statusCode]).toEqual(['Rejected.Disabled', 409])
  })
})

describe('CreateKeyVersion', () => {
  it('is refused within 7 days of the last version, for symmetric keys and by UpdateRotationPolicy on asymmetric keys', async () => {
    const client = kmsClient()
    const { keyId } = await createAsymmetricKey('EC_P256K', 'SIGN/VERIFY')
    const tooSoon = await sdkError(client.createKeyVersion(new Kms.CreateKeyVersionRequest({ keyId })))
    expect(tooSoon.code).toBe('Rejected.LimitExceeded')
    const { keyMetadata } = await client.createKey(new Kms.CreateKeyRequest({}))
    const symmetric = await sdkError(client.createKeyVersion(new Kms.CreateKeyVersionRequest({ keyId: keyMetadata.keyId })))
    expect(symmetric.code).toBe('Rejected.UnsupportedKeyUsage')
    const viaAcs3 = await sdkError(openApiCaller()('CreateKeyVersion', { KeyId: keyId }))
    expect([viaAcs3.code, viaAcs3.statusCode]).toEqual(['Rejected.LimitExceeded', 400])
    const rotation = await sdkError(
      openApiCaller()('UpdateRotationPolicy', { KeyId: keyId, EnableAutomaticRotation: 'true', RotationInterval: '30d' }),
    )
    expect([rotation.code, rotation.statusCode]).toEqual(['Rejected.UnsupportedKeyUsage', 400])
    expect((await client.listKeyVersions(new Kms.ListKeyVersionsRequest({ keyId }))).totalCount).toBe(1)
  })
})

describe('ExportDataKey / GenerateAndExportDataKey (openapi-client)', () => {
  it('wraps the data key under an OpenSSL key pair; openssl pkeyutl -decrypt recovers it', async () => {
    const call = openApiCaller()
    const keyFile = join(dir, 'recipient.pem')
    expect((await openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile)).ok).toBe(true)
    const spkiFile = join(dir, 'recipient.spki')
    await openssl('pkey', '-in', keyFile, '-pubout', '-outform', 'DER', '-out', spkiFile)
    const publicKeyBlob = b64(readFileSync(spkiFile))
    const { KeyMetadata } = await call('CreateKey', {})
    for (const [algorithm, opts] of [
      ['RSAES_OAEP_SHA_256', ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256']],
      ['RSAES_OAEP_SHA_1', ['-pkeyopt', 'rsa_padding_mode:oaep']],
      ['RSAES_PKCS1_V1_5', ['-pkeyopt', 'rsa_padding_mode:pkcs1']],
    ] as const) {
      const wrapping = { PublicKeyBlob: publicKeyBlob, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_2048' }
      const gen = await call('GenerateAndExportDataKey', {
        KeyId: KeyMetadata.KeyId,
        NumberOfBytes: '32',
        EncryptionContext: JSON.stringify({ app: 'x' }),
        ...wrapping,
      })
      expect(gen).toMatchObject({ KeyId: KeyMetadata.KeyId, KeyVersionId: KeyMetadata.PrimaryKeyVersion })
      const viaCmk = await call('Decrypt', { CiphertextBlob: gen.CiphertextBlob, EncryptionContext: JSON.stringify({ app: 'x' }) })
      const out = join(dir, `dk${files++}`)
      const res = await openssl('pkeyutl', '-decrypt', '-inkey', keyFile, '-in', file(fromB64(gen.ExportedDataKey)), '-out', out, ...opts)
      expect(res.ok).toBe(true)
      expect(b64(readFileSync(out))).toBe(viaCmk.Plaintext)
      const exported = await call('ExportDataKey', {
        CiphertextBlob: gen.CiphertextBlob,
        EncryptionContext: JSON.stringify({ app: 'x' }),
        ...wrapping,
      })
      expect(exported.KeyId).toBe(KeyMetadata.KeyId)
      const out2 = join(dir, `dk${files++}`)
      await openssl('pkeyutl', '-decrypt', '-inkey', keyFile, '-in', file(fromB64(exported.ExportedDataKey)), '-out', out2, ...opts)
      expect(b64(readFileSync(out2))).toBe(viaCmk.Plaintext)
    }
    const pem = readFileSync(join(dir, 'recipient.pem'), 'utf8')
    const defaults = {
      KeyId: KeyMetadata.KeyId,
      PublicKeyBlob: publicKeyBlob,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    }
    for (const [params, code] of [
      [{ PublicKeyBlob: b64(pem) }, 'InvalidParameter'],
      [{ PublicKeyBlob: 'x'.repeat(5) }, 'InvalidParameter'],
      [{ WrappingKeySpec: 'RSA_4096' }, 'InvalidParameter'],
      [{ WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256' }, 'InvalidParameter'],
    ] as const) {
      const err = await sdkError(call('GenerateAndExportDataKey', { ...defaults, ...params }))
      expect([err.code, err.statusCode]).toEqual([code, 400])
    }
  })

  it('ReEncrypt takes an asymmetric source and seals under a symmetric key', async () => {
    const call = openApiCaller()
    const rsa = await createAsymmetricKey('RSA_2048', 'ENCRYPT/DECRYPT')
    const { KeyMetadata: sym } = await call('CreateKey', {})
    const enc = await call('AsymmetricEncrypt', {
      KeyId: rsa.keyId,
      KeyVersionId: rsa.versionId,
      Algorithm: 'RSAES_OAEP_SHA_1',
      Plaintext: b64('move me'),
    })
    const re = await call('ReEncrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      SourceKeyId: rsa.keyId,
      SourceKeyVersionId: rsa.versionId,
      SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
      DestinationKeyId: sym.KeyId,
    })
    expect(re).toMatchObject({ KeyId: sym.KeyId, SourceKeyId: rsa.keyId, SourceKeyVersionId: rsa.versionId })
    expect(Buffer.from((await call('Decrypt', { CiphertextBlob: re.CiphertextBlob })).Plaintext, 'base64').toString()).toBe('move me')
  })
})

/**
 * The primitives bundled (esbuild, `node:*` left to workerd's nodejs_compat) into a throwaway
 * Worker that runs a Wycheproof file and answers one boolean per vector, in file order.
 */
const WORKER_ENTRY = `
import { sha1 } from '@noble/hashes/legacy.js'
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { fromHex, toHex } from './core/crypto/bytes'
import { aesKwpUnwrap } from './core/crypto/asymmetric/aes-kwp'
import { ecdsaVerifyDigest } from './core/crypto/asymmetric/ec'
import { rsaOaepDecrypt, rsaVerifyPkcs1Digest, rsaVerifyPssDigest } from './core/crypto/asymmetric/rsa'
import { nodeRsaEngine } from './core/platform/node-rsa-engine'
const H = { 'SHA-1': sha1, 'SHA-224': sha224, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 }
function check(kind, g, t) {
  if (kind === 'ecdsa') return ecdsaVerifyDigest(g.curve, fromHex(g.publicKeyDer), sha256(fromHex(t.msg)), fromHex(t.sig), g.format)
  if (kind === 'pss') return rsaVerifyPssDigest(nodeRsaEngine, fromHex(g.publicKeyDer), g.keySize, H[g.sha](fromHex(t.msg)), fromHex(t.sig), g.sha, g.sLen, g.mgfSha)
  if (kind === 'pkcs1') return rsaVerifyPkcs1Digest(nodeRsaEngine, fromHex(g.publicKeyDer), g.keySize, sha256(fromHex(t.msg)), fromHex(t.sig), 'SHA-256')
  if (kind === 'oaep') {
    try { return toHex(rsaOaepDecrypt(nodeRsaEngine, fromHex(g.privateKeyPkcs8), fromHex(t.ct), g.sha, fromHex(t.label))) === t.msg } catch { return false }
  }
  const out = aesKwpUnwrap(fromHex(t.key), fromHex(t.ct))
  return out !== undefined && toHex(out) === t.msg
}
export default {
  async fetch(request) {
    const { kind, curve, format, file } = await request.json()
    const results = []
    for (const g of file.testGroups) for (const t of g.tests) results.push(check(kind, { ...g, curve, format }, t))
    return Response.json(results)
  },
}
`

const WORKERD_FILES: Array<[string, string, Record<string, string>]> = [
  ['ecdsa_secp256r1_sha256_test.json', 'ecdsa', { curve: 'P-256', format: 'der' }],
  ['ecdsa_secp256r1_sha256_p1363_test.json', 'ecdsa', { curve: 'P-256', format: 'compact' }],
  ['ecdsa_secp256k1_sha256_test.json', 'ecdsa', { curve: 'secp256k1', format: 'der' }],
  ['ecdsa_secp256k1_sha256_p1363_test.json', 'ecdsa', { curve: 'secp256k1', format: 'compact' }],
  ['rsa_pss_2048_sha256_mgf1_32_test.json', 'pss', {}],
  ['rsa_pss_3072_sha256_mgf1_32_test.json', 'pss', {}],
  ['rsa_pss_4096_sha256_mgf1_32_test.json', 'pss', {}],
  ['rsa_pss_misc_test.json', 'pss', {}],
  ['rsa_signature_2048_sha256_test.json', 'pkcs1', {}],
  ['rsa_signature_3072_sha256_test.json', 'pkcs1', {}],
  ['rsa_signature_4096_sha256_test.json', 'pkcs1', {}],
  ['rsa_oaep_2048_sha1_mgf1sha1_test.json', 'oaep', {}],
  ['rsa_oaep_2048_sha256_mgf1sha256_test.json', 'oaep', {}],
  ['rsa_oaep_3072_sha256_mgf1sha256_test.json', 'oaep', {}],
  ['rsa_oaep_4096_sha256_mgf1sha256_test.json', 'oaep', {}],
  ['aes_kwp_test.json', 'kwp', {}],
]

describe('Wycheproof inside workerd (BoringSSL engine, same code as the Worker)', () => {
  it('accepts every valid vector and rejects every invalid one in every file', async () => {
    const bundle = await build({
      stdin: { contents: WORKER_ENTRY, resolveDir: ROOT, loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      external: ['node:*'],
      write: false,
      logLevel: 'silent',
    })
    const mf = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]!.text,
      compatibilityDate: '2026-07-01',
      compatibilityFlags: ['nodejs_compat'],
    })
    try {
      const summary: string[] = []
      for (const [name, kind, extra] of WORKERD_FILES) {
        const file = JSON.parse(readFileSync(join(ROOT, 'test/vectors/wycheproof', name), 'utf8')) as {
          testGroups: Array<{ tests: Array<{ tcId: number; result: string }> }>
        }
        const res = await mf.dispatchFetch('http://vectors/', { method: 'POST', body: JSON.stringify({ kind, ...extra, file }) })
        const results = (await res.json()) as boolean[]
        const expected = file.testGroups.flatMap((g) => g.tests)
        expect(results).toHaveLength(expected.length)
        const counts = { valid: 0, invalid: 0, acceptable: 0 }
        expected.forEach((t, i) => {
          if (t.result === 'valid') expect(results[i], `${name} tcId ${t.tcId}`).toBe(true)
          else if (t.result === 'invalid') expect(results[i], `${name} tcId ${t.tcId}`).toBe(false)
          counts[t.result as keyof typeof counts]++
        })
        summary.push(`${name}: ${counts.valid} valid, ${counts.invalid} invalid, ${counts.acceptable} acceptable`)
      }
      console.log(`Wycheproof in workerd:\n  ${summary.join('\n  ')}`)
    } finally {
      await mf.dispose()
    }
  })
})
