/**
 * HMAC keys in the domain (software protection; the HSM path is in ../hsm/hsm.test.ts and
 * test/integration/hmac.test.ts): CreateKey for each HMAC spec, GenerateMac/VerifyMac against
 * core/crypto/mac.ts with the key's own material, and every refusal (usage, algorithm, message,
 * rotation, import, HMAC_SM3, DryRun) without a write.
 */
import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../../test/fakes/memory-store'
import { computeMac } from '../../../crypto/mac'
import { KmsError } from '../../../errors'
import { createAlias } from '../aliases'
import { createKey } from '../create-key'
import { updateRotationPolicy } from '../key-versions'
import { unwrapVersion } from '../material'
import { decrypt, encrypt, generateDataKey } from '../symmetric-crypto'
import { asymmetricSign } from '../asymmetric/asymmetric-sign'
import { createKeyVersion } from '../asymmetric/create-key-version'
import { getParametersForImport } from '../byok/get-parameters-for-import'
import { generateMac } from './generate-mac'
import { verifyMac } from './verify-mac'
import { MAC_KEY_SPECS } from './specs'

const msg = (s: string) => new TextEncoder().encode(s)

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return (err as KmsError).code
}

describe('HMAC keys (software)', () => {
  for (const spec of Object.values(MAC_KEY_SPECS)) {
    it(`${spec.keySpec}: GENERATE/VERIFY_MAC by default, ${spec.materialBytes}-byte material, tags verify`, async () => {
      const deps = memoryKeyDeps()
      const key = await createKey(deps, CALLER, { keySpec: spec.keySpec })
      expect(key).toMatchObject({
        keySpec: spec.keySpec,
        keyUsage: 'GENERATE/VERIFY_MAC',
        keyState: 'Enabled',
        protectionLevel: 'SOFTWARE',
        automaticRotation: false,
      })
      expect(key.versions).toHaveLength(1)
      const material = await unwrapVersion(deps, key, key.primaryVersionId!)
      expect(material.length).toBe(spec.materialBytes)

      const message = msg('The quick brown fox jumps over the lazy dog.')
      const out = await generateMac(deps, CALLER, { keyId: key.keyId, algorithm: spec.algorithm, message })
      expect(out.versionId).toBe(key.primaryVersionId)
      expect(out.algorithm).toBe(spec.algorithm)
      expect(out.mac).toEqual(computeMac(spec.algorithm, material, message))

      const ok = await verifyMac(deps, CALLER, { keyId: key.keyId, algorithm: spec.algorithm, message, mac: out.mac })
      expect(ok.valid).toBe(true)
      const flipped = out.mac.slice()
      flipped[0]! ^= 0x80
      expect((await verifyMac(deps, CALLER, { keyId: key.keyId, algorithm: spec.algorithm, message, mac: flipped })).valid).toBe(false)
      expect(
        (await verifyMac(deps, CALLER, { keyId: key.keyId, algorithm: spec.algorithm, message, mac: out.mac.subarray(0, 16) })).valid,
      ).toBe(false)
      expect(
        (await verifyMac(deps, CALLER, { keyId: key.keyId, algorithm: spec.algorithm, message: msg('other'), mac: out.mac })).valid,
      ).toBe(false)
    })
  }

  it('names the key by alias and ARN; another HMAC key does not verify the tag', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'HMAC_SHA_256' })
    const other = await createKey(deps, CALLER, { keySpec: 'HMAC_SHA_256' })
    await createAlias(deps, CALLER, 'alias/mac', key.keyId)
    const message = msg('hello')
    const { mac } = await generateMac(deps, CALLER, { keyId: 'alias/mac', algorithm: 'HMAC_SHA_256', message })
    const arn = `acs:kms:${CALLER.region}:${CALLER.accountId}:key/${key.keyId}`
    expect((await verifyMac(deps, CALLER, { keyId: arn, algorithm: 'HMAC_SHA_256', message, mac })).valid).toBe(true)
    expect((await verifyMac(deps, CALLER, { keyId: other.keyId, algorithm: 'HMAC_SHA_256', message, mac })).valid).toBe(false)
  })

  it('refuses a wrong algorithm, an empty or oversized message, and answers DryRun after the checks', async () => {
    const deps = memoryKeyDeps()
    const key = await createKey(deps, CALLER, { keySpec: 'HMAC_SHA_384' })
    const keyId = key.keyId
    expect(await code(generateMac(deps, CALLER, { keyId, algorithm: 'HMAC_SHA_256', message: msg('x') }))).toBe(
      'validation.invalidParameter',
    )
    expect(await code(generateMac(deps, CALLER, { keyId, algorithm: 'HMAC_SM3', message: msg('x') }))).toBe('validation.invalidParameter')
    expect(await code(generateMac(deps, CALLER, { keyId, algorithm: 'HMAC_SHA_384', message: new Uint8Array(0) }))).toBe(
      'validation.invalidParameter',
    )
    expect(await code(generateMac(deps, CALLER, { keyId, algorithm: 'HMAC_SHA_384', message: new Uint8Array(4097) }))).toBe(
      'validation.invalidParameter',
    )
    await generateMac(deps, CALLER, { keyId, algorithm: 'HMAC_SHA_384', message: new Uint8Array(4096) })
    expect(await code(generateMac(deps, CALLER, { keyId, algorithm: 'HMAC_SHA_384', message: msg('x'), dryRun: true }))).toBe(
      'dryRun.wouldSucceed',
    )
    expect(
      await code(verifyMac(deps, CALLER, { keyId, algorithm: 'HMAC_SHA_384', message: msg('x'), mac: new Uint8Array(48), dryRun: true })),
    ).toBe('dryRun.wouldSucceed')
    expect(await code(generateMac(deps, CALLER, { keyId: 'alias/none', algorithm: 'HMAC_SHA_384', message: msg('x') }))).toBe(
      'alias.notFound',
    )
  })

  it('GenerateMac/VerifyMac with a non-HMAC key, and Encrypt/GenerateDataKey/Sign with an HMAC key, are Rejected.UnsupportedKeyUsage', async () => {
    const deps = memoryKeyDeps()
    const aes = await createKey(deps, CALLER, {})
    const ec = await createKey(deps, CALLER, { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' })
    const hmac = await createKey(deps, CALLER, { keySpec: 'HMAC_SHA_256' })
    for (const k of [aes, ec]) {
      expect(await code(generateMac(deps, CALLER, { keyId: k.keyId, algorithm: 'HMAC_SHA_256', message: msg('x') }))).toBe(
        'key.invalidUsage',
      )
      expect(
        await code(verifyMac(deps, CALLER, { keyId: k.keyId, algorithm: 'HMAC_SHA_256', message: msg('x'), mac: new Uint8Array(32) })),
      ).toBe('key.invalidUsage')
    }
    expect(await code(encrypt(deps, CALLER, { keyId: hmac.keyId, plaintext: msg('x'), context: {} }))).toBe('key.invalidUsage')
    expect(await code(generateDataKey(deps, CALLER, { keyId: hmac.keyId, context: {} }))).toBe('key.invalidUsage')
    expect(
      await code(
        asymmetricSign(deps, CALLER, {
          keyId: hmac.keyId,
          versionId: hmac.primaryVersionId!,
          algorithm: 'ECDSA_SHA_256',
          digest: new Uint8Array(32),
        }),
      ),
    ).toBe('key.invalidUsage')
    // A blob of an AES key still decrypts; the HMAC key is never a decryption key.
    const blob = await encrypt(deps, CALLER, { keyId: aes.keyId, plaintext: msg('x'), context: {} })
    expect(
      (await decrypt(deps, CALLER, { ciphertextBlob: Uint8Array.from(Buffer.from(blob.ciphertextBlob, 'base64')), context: {} })).plaintext,
    ).toEqual(msg('x'))
  })

  it('refuses rotation, new versions, imported material, other usages and HMAC_SM3, writing nothing', async () => {
    const deps = memoryKeyDeps()
    const cases: Array<[Parameters<typeof createKey>[2], string]> = [
      [{ keySpec: 'HMAC_SHA_256', keyUsage: 'ENCRYPT/DECRYPT' }, 'key.invalidUsage'],
      [{ keySpec: 'HMAC_SHA_256', keyUsage: 'SIGN/VERIFY' }, 'key.invalidUsage'],
      [{ keySpec: 'HMAC_SHA_256', enableAutomaticRotation: true }, 'key.invalidUsage'],
      [{ keySpec: 'HMAC_SHA_256', origin: 'EXTERNAL' }, 'key.unsupportedOrigin'],
      [{ keySpec: 'HMAC_SHA_256', origin: 'Other' }, 'validation.invalidParameter'],
      [{ keySpec: 'HMAC_SHA_256', protectionLevel: 'CLOUD' }, 'validation.invalidParameter'],
      [{ keySpec: 'HMAC_SHA_256', protectionLevel: 'HSM' }, 'key.unsupportedProtectionLevel'],
      [{ keySpec: 'HMAC_SHA_256', rotationInterval: '1d' }, 'validation.invalidParameter'],
      [{ keySpec: 'HMAC_SHA_256', description: 'x'.repeat(8193) }, 'validation.invalidParameter'],
      [{ keySpec: 'HMAC_SM3' }, 'key.unsupportedSpec'],
      [{ keySpec: 'GENERATE/VERIFY_MAC' }, 'validation.invalidParameter'],
      [{ keyUsage: 'GENERATE/VERIFY_MAC' }, 'validation.invalidParameter'],
    ]
    for (const [input, expected] of cases) expect(await code(createKey(deps, CALLER, input)), JSON.stringify(input)).toBe(expected)
    expect(deps.keys.items.size).toBe(0)

    const key = await createKey(deps, CALLER, { keySpec: 'HMAC_SHA_512', description: 'd', tags: [{ TagKey: 'a', TagValue: 'b' }] })
    expect(key.tags).toEqual({ a: 'b' })
    const before = structuredClone(deps.keys.items.get(key.keyId))
    expect(await code(updateRotationPolicy(deps, CALLER, key.keyId, true, '30d'))).toBe('key.invalidUsage')
    deps.clock.advanceDays(8)
    expect(await code(createKeyVersion(deps, CALLER, key.keyId))).toBe('key.invalidUsage')
    expect(
      await code(
        getParametersForImport(deps, CALLER, { keyId: key.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' }),
      ),
    ).toBe('key.unsupportedOrigin')
    expect(deps.keys.items.get(key.keyId)).toEqual(before)
  })
})
