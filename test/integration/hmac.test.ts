/**
 * HMAC keys and GenerateMac / VerifyMac end to end through the official Alibaba clients:
 * kms20160120 1.2.0 for CreateKey/DescribeKey/Encrypt/…, and — since 1.x has no GenerateMac
 * models — openapi-client `callApi` (ACS3-HMAC-SHA256, what the 3.x SDK that added GenerateMac
 * sends) and pop-core (V1 HMAC-SHA1). Software and HSM protection (the HSM part is skipped when
 * the stack has no bridge: the token object is inspected with pkcs11js; the HSM's HMAC values
 * themselves are pinned by Wycheproof known answers in hsm-bridge/test/mac.test.ts).
 */
import { randomUUID } from 'node:crypto'
import RamModule, * as Ram from '@alicloud/ram20150501'
import { $OpenApiUtil } from '@alicloud/openapi-core'
import pkcs11js from 'pkcs11js'
import { describe, expect, it } from 'vitest'
import { hsmObjectId } from '../../core/domain/keys/hsm/hsm-keys'
import { b64, Kms, kmsClient, openApiCaller, popCaller, sdkError, stackInfo } from './clients'

const P = pkcs11js
const stack = stackInfo()
const SPECS = [
  ['HMAC_SHA_224', 28],
  ['HMAC_SHA_256', 32],
  ['HMAC_SHA_384', 48],
  ['HMAC_SHA_512', 64],
] as const
const fromB64 = (s: string) => Buffer.from(s, 'base64')

async function createMacKey(keySpec: string, extra: Record<string, unknown> = {}) {
  const { keyMetadata } = await kmsClient().createKey(new Kms.CreateKeyRequest({ keySpec, ...extra }))
  return keyMetadata as {
    keyId: string
    keySpec: string
    keyUsage: string
    protectionLevel: string
    primaryKeyVersion: string
    automaticRotation: string
  }
}

describe('HMAC keys (software) through the SDKs', () => {
  it('CreateKey HMAC_SHA_*: GENERATE/VERIFY_MAC by default; GenerateMac over ACS3 and V1 agree; VerifyMac answers a boolean', async () => {
    const acs3 = openApiCaller()
    const v1 = popCaller('POST')
    const message = b64('The quick brown fox jumps over the lazy dog.')
    for (const [keySpec, bytes] of SPECS) {
      const meta = await createMacKey(keySpec)
      expect(meta).toMatchObject({ keySpec, keyUsage: 'GENERATE/VERIFY_MAC', protectionLevel: 'SOFTWARE' })
      const { keyMetadata } = await kmsClient().describeKey(new Kms.DescribeKeyRequest({ keyId: meta.keyId }))
      expect(keyMetadata).toMatchObject({ keySpec, keyUsage: 'GENERATE/VERIFY_MAC', keyState: 'Enabled' })

      const out = await acs3('GenerateMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message })
      expect(out).toMatchObject({ KeyId: meta.keyId, KeyVersionId: meta.primaryKeyVersion, Algorithm: keySpec })
      expect(typeof out.RequestId).toBe('string')
      expect(fromB64(out.Mac)).toHaveLength(bytes)
      const again = await v1('GenerateMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message })
      expect(again.Mac).toBe(out.Mac)

      const ok = await v1('VerifyMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message, Mac: out.Mac })
      expect(ok).toMatchObject({ KeyId: meta.keyId, KeyVersionId: meta.primaryKeyVersion, Algorithm: keySpec, Value: true })
      const tampered = fromB64(out.Mac)
      tampered[0]! ^= 1
      expect((await acs3('VerifyMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message, Mac: b64(tampered) })).Value).toBe(false)
      expect((await acs3('VerifyMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: b64('other'), Mac: out.Mac })).Value).toBe(false)
      expect(
        (await acs3('VerifyMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message, Mac: b64(fromB64(out.Mac).subarray(0, 16)) }))
          .Value,
      ).toBe(false)
    }
  })

  it('works through an alias; the response names the key id; another key does not verify the tag', async () => {
    const client = kmsClient()
    const call = openApiCaller()
    const key = await createMacKey('HMAC_SHA_256')
    const other = await createMacKey('HMAC_SHA_256')
    const alias = `alias/mac-${key.keyId.slice(0, 8)}`
    await client.createAlias(new Kms.CreateAliasRequest({ aliasName: alias, keyId: key.keyId }))
    const out = await call('GenerateMac', { KeyId: alias, Algorithm: 'HMAC_SHA_256', Message: b64('m') })
    expect(out.KeyId).toBe(key.keyId)
    expect((await call('VerifyMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m'), Mac: out.Mac })).Value).toBe(true)
    expect((await call('VerifyMac', { KeyId: other.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m'), Mac: out.Mac })).Value).toBe(false)
  })

  it('bad input is a 4xx in Alibaba’s shape, never a 5xx', async () => {
    const call = openApiCaller()
    const key = await createMacKey('HMAC_SHA_256')
    const base = { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m') }
    const cases: Array<[string, Record<string, string>, string, number]> = [
      ['GenerateMac', { ...base, Algorithm: 'HMAC_SHA_512' }, 'InvalidParameter', 400],
      ['GenerateMac', { ...base, Algorithm: 'HMAC_SM3' }, 'InvalidParameter', 400],
      ['GenerateMac', { ...base, Message: b64(new Uint8Array(4097)) }, 'InvalidParameter', 400],
      ['GenerateMac', { ...base, Message: 'not base64!' }, 'InvalidParameter', 400],
      ['GenerateMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256' }, 'MissingParameter', 400],
      ['GenerateMac', { KeyId: key.keyId, Message: b64('m') }, 'MissingParameter', 400],
      ['GenerateMac', { ...base, KeyId: '00000000-0000-4000-8000-000000000000' }, 'Forbidden.KeyNotFound', 404],
      ['GenerateMac', { ...base, DryRun: 'true' }, 'DryRunOperation', 412],
      ['VerifyMac', { ...base, Mac: '%%%' }, 'InvalidParameter', 400],
      ['VerifyMac', base, 'MissingParameter', 400],
      ['VerifyMac', { ...base, Mac: b64(new Uint8Array(32)), DryRun: 'true' }, 'DryRunOperation', 412],
    ]
    for (const [action, params, code, status] of cases) {
      const err = await sdkError(call(action, params))
      expect([action, JSON.stringify(params).slice(0, 80), err.code, err.statusCode]).toEqual([
        action,
        JSON.stringify(params).slice(0, 80),
        code,
        status,
      ])
    }
    expect((await call('GenerateMac', { ...base, Message: b64(new Uint8Array(4096)) })).Mac).toBeTruthy()
  })

  it('usage errors: GenerateMac with other keys, Encrypt/GenerateDataKey/AsymmetricSign with an HMAC key', async () => {
    const client = kmsClient()
    const call = openApiCaller()
    const hmac = await createMacKey('HMAC_SHA_384')
    const { keyMetadata: aes } = await client.createKey(new Kms.CreateKeyRequest({}))
    const { keyMetadata: ec } = await client.createKey(new Kms.CreateKeyRequest({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' }))
    for (const keyId of [aes.keyId, ec.keyId]) {
      const gen = await sdkError(call('GenerateMac', { KeyId: keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m') }))
      expect([gen.code, gen.statusCode]).toEqual(['Rejected.UnsupportedKeyUsage', 400])
      const ver = await sdkError(
        call('VerifyMac', { KeyId: keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m'), Mac: b64(new Uint8Array(32)) }),
      )
      expect([ver.code, ver.statusCode]).toEqual(['Rejected.UnsupportedKeyUsage', 400])
    }
    const enc = await sdkError(client.encrypt(new Kms.EncryptRequest({ keyId: hmac.keyId, plaintext: b64('x') })))
    expect(enc.code).toBe('Rejected.UnsupportedKeyUsage')
    const encAcs3 = await sdkError(call('Encrypt', { KeyId: hmac.keyId, Plaintext: b64('x') }))
    expect([encAcs3.code, encAcs3.statusCode]).toEqual(['Rejected.UnsupportedKeyUsage', 400])
    const gdk = await sdkError(client.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: hmac.keyId })))
    expect(gdk.code).toBe('Rejected.UnsupportedKeyUsage')
    const sign = await sdkError(
      client.asymmetricSign(
        new Kms.AsymmetricSignRequest({
          keyId: hmac.keyId,
          keyVersionId: hmac.primaryKeyVersion,
          algorithm: 'ECDSA_SHA_256',
          digest: b64(new Uint8Array(32)),
        }),
      ),
    )
    expect(sign.code).toBe('Rejected.UnsupportedKeyUsage')
  })

  it('CreateKey refusals and no rotation; Disabled keys are Rejected.Disabled', async () => {
    const client = kmsClient()
    const call = openApiCaller()
    const viaAcs3 = await sdkError(call('CreateKey', { KeySpec: 'HMAC_SHA_256', KeyUsage: 'SIGN/VERIFY' }))
    expect([viaAcs3.code, viaAcs3.statusCode]).toEqual(['Rejected.UnsupportedKeyUsage', 400])
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ keySpec: 'HMAC_SHA_256', keyUsage: 'ENCRYPT/DECRYPT' }, 'Rejected.UnsupportedKeyUsage'],
      [{ keySpec: 'HMAC_SHA_256', enableAutomaticRotation: true }, 'Rejected.UnsupportedKeyUsage'],
      [{ keySpec: 'HMAC_SHA_256', origin: 'EXTERNAL' }, 'Unsupported.Origin'],
      [{ keySpec: 'HMAC_SM3' }, 'Unsupported.KeySpec'],
    ]
    for (const [req, code] of refusals) {
      const err = await sdkError(client.createKey(new Kms.CreateKeyRequest(req)))
      expect([JSON.stringify(req), err.code]).toEqual([JSON.stringify(req), code])
    }
    const key = await createMacKey('HMAC_SHA_256')
    expect(key.automaticRotation).toBe('Disabled')
    const rotate = await sdkError(
      client.updateRotationPolicy(
        new Kms.UpdateRotationPolicyRequest({ keyId: key.keyId, enableAutomaticRotation: true, rotationInterval: '30d' }),
      ),
    )
    expect(rotate.code).toBe('Rejected.UnsupportedKeyUsage')
    const version = await sdkError(client.createKeyVersion(new Kms.CreateKeyVersionRequest({ keyId: key.keyId })))
    expect(version.code).toBe('Rejected.UnsupportedKeyUsage')
    const { keyVersions } = await client.listKeyVersions(new Kms.ListKeyVersionsRequest({ keyId: key.keyId }))
    expect(keyVersions.keyVersion).toHaveLength(1)

    await client.disableKey(new Kms.DisableKeyRequest({ keyId: key.keyId }))
    const disabled = await sdkError(call('GenerateMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m') }))
    expect([disabled.code, disabled.statusCode]).toEqual(['Rejected.Disabled', 409])
    const verifyDisabled = await sdkError(
      call('VerifyMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m'), Mac: b64(new Uint8Array(32)) }),
    )
    expect(verifyDisabled.code).toBe('Rejected.Disabled')
    await client.enableKey(new Kms.EnableKeyRequest({ keyId: key.keyId }))
    expect((await call('GenerateMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m') })).Mac).toBeTruthy()
  })
})

const RamClient = ((RamModule as unknown as { default?: unknown }).default ?? RamModule) as unknown as new (
  config: InstanceType<typeof $OpenApiUtil.Config>,
) => InstanceType<typeof Ram.default>

/** A RAM user of the stack's account with one custom policy; its ACS3 caller. */
async function ramUserCaller(policyDocument: string) {
  const admin = new RamClient(
    new $OpenApiUtil.Config({
      accessKeyId: stack.accessKeyId,
      accessKeySecret: stack.accessKeySecret,
      regionId: stack.regionId,
      endpoint: stack.endpoint.replace(/^https?:\/\//, ''),
      protocol: 'HTTP',
    }),
  )
  const userName = `mac-${randomUUID().slice(0, 8)}`
  const policyName = `macpol-${randomUUID().slice(0, 8)}`
  await admin.createUser(new Ram.CreateUserRequest({ userName }))
  await admin.createPolicy(new Ram.CreatePolicyRequest({ policyName, policyDocument }))
  await admin.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({ userName, policyName, policyType: 'Custom' }))
  const { body } = await admin.createAccessKey(new Ram.CreateAccessKeyRequest({ userName }))
  return openApiCaller({ secret: body!.accessKey!.accessKeySecret! }, { ...stack, accessKeyId: body!.accessKey!.accessKeyId! })
}

describe('authorisation', () => {
  it('kms:GenerateMac and kms:VerifyMac are separate permissions on the key', async () => {
    const key = await createMacKey('HMAC_SHA_256')
    const other = await createMacKey('HMAC_SHA_256')
    const arn = `acs:kms:${stack.regionId}:${stack.accountId}:key/${key.keyId}`
    const user = await ramUserCaller(
      JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['kms:GenerateMac'], Resource: [arn] }] }),
    )
    const out = await user('GenerateMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m') })
    expect(fromB64(out.Mac)).toHaveLength(32)
    const verify = await sdkError(user('VerifyMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m'), Mac: out.Mac }))
    expect([verify.code, verify.statusCode]).toEqual(['Forbidden.NoPermission', 403])
    const otherKey = await sdkError(user('GenerateMac', { KeyId: other.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m') }))
    expect([otherKey.code, otherKey.statusCode]).toEqual(['Forbidden.NoPermission', 403])
    // The root principal verifies the user's tag.
    expect(
      (await openApiCaller()('VerifyMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: b64('m'), Mac: out.Mac })).Value,
    ).toBe(true)
  })

  it('the audit trail names the key and version; Message and Mac are only recorded as redacted', async () => {
    const key = await createMacKey('HMAC_SHA_256')
    const message = b64(`MAC-MESSAGE-${randomUUID()}`)
    const start = new Date(Date.now() - 60_000).toISOString()
    const { Mac } = await openApiCaller()('GenerateMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: message })
    await openApiCaller()('VerifyMac', { KeyId: key.keyId, Algorithm: 'HMAC_SHA_256', Message: message, Mac })
    const arn = `acs:kms:${stack.regionId}:${stack.accountId}:key/${key.keyId}`
    const events: any[] = []
    for (const eventName of ['GenerateMac', 'VerifyMac']) {
      const page = await trailCall('LookupEvents', {
        StartTime: start,
        'LookupAttribute.1.Key': 'EventName',
        'LookupAttribute.1.Value': eventName,
        'LookupAttribute.2.Key': 'ResourceName',
        'LookupAttribute.2.Value': arn,
      })
      events.push(...page.Events)
    }
    expect(events.map((e) => e.eventName).sort()).toEqual(['GenerateMac', 'VerifyMac'])
    for (const e of events) {
      expect(e.resourceName).toBe(arn)
      expect(e.additionalEventData.keyVersionId).toBe(key.primaryKeyVersion)
      expect(e.requestParameters).toMatchObject({
        KeyId: key.keyId,
        Algorithm: 'HMAC_SHA_256',
        Message: expect.stringMatching(/^redacted:/),
      })
      expect(JSON.stringify(e)).not.toContain(message)
      expect(JSON.stringify(e)).not.toContain(Mac)
    }
  })
})

/** ActionTrail LookupEvents (version 2020-07-06) through openapi-client callApi. */
async function trailCall(action: string, query: Record<string, string>): Promise<Record<string, any>> {
  return openApiCaller({ version: '2020-07-06' })(action, query)
}

const hsmInfo = stack.hsm

/** Class, key type, length and flags of the one object with CKA_ID = id on the stack's token. */
function tokenObject(id: string) {
  process.env.SOFTHSM2_CONF = hsmInfo!.softHsmConf!
  const m = new P.PKCS11()
  m.load(hsmInfo!.modulePath)
  m.C_Initialize({ flags: P.CKF_OS_LOCKING_OK })
  try {
    const slot = m.C_GetSlotList(true).find((s) => m.C_GetTokenInfo(s).label.trimEnd() === hsmInfo!.tokenLabel)!
    const session = m.C_OpenSession(slot, P.CKF_SERIAL_SESSION)
    m.C_Login(session, P.CKU_USER, hsmInfo!.pin)
    m.C_FindObjectsInit(session, [{ type: P.CKA_ID, value: Buffer.from(id) }])
    const handles = m.C_FindObjects(session, 10)
    m.C_FindObjectsFinal(session)
    return handles.map((h) => {
      const attr = (type: number) => m.C_GetAttributeValue(session, h, [{ type }])[0]!.value as Buffer
      let valueReadCode: number | undefined
      try {
        m.C_GetAttributeValue(session, h, [{ type: P.CKA_VALUE }])
      } catch (err) {
        valueReadCode = (err as pkcs11js.Pkcs11Error).code
      }
      return {
        cls: attr(P.CKA_CLASS).readUInt32LE(0),
        keyType: attr(P.CKA_KEY_TYPE).readUInt32LE(0),
        length: attr(P.CKA_VALUE_LEN).readUInt32LE(0),
        sensitive: attr(P.CKA_SENSITIVE)[0] === 1,
        extractable: attr(P.CKA_EXTRACTABLE)[0] === 1,
        valueReadCode,
      }
    })
  } finally {
    m.C_Finalize()
  }
}

describe.skipIf(!hsmInfo?.softHsmConf)('HMAC keys with ProtectionLevel=HSM (SoftHSMv2 via hsm-bridge)', () => {
  it('CreateKey HMAC_SHA_* HSM: one sensitive generic secret of the hash length; GenerateMac/VerifyMac run in the HSM', async () => {
    const call = openApiCaller()
    const v1 = popCaller('POST')
    for (const [keySpec, bytes] of SPECS) {
      const meta = await createMacKey(keySpec, { protectionLevel: 'HSM' })
      expect(meta).toMatchObject({ keySpec, keyUsage: 'GENERATE/VERIFY_MAC', protectionLevel: 'HSM' })
      const objects = tokenObject(hsmObjectId(meta.keyId, meta.primaryKeyVersion))
      expect(objects).toEqual([
        {
          cls: P.CKO_SECRET_KEY,
          keyType: P.CKK_GENERIC_SECRET,
          length: bytes,
          sensitive: true,
          extractable: false,
          valueReadCode: P.CKR_ATTRIBUTE_SENSITIVE,
        },
      ])

      const message = b64(`message for ${keySpec}`)
      const out = await call('GenerateMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message })
      expect(fromB64(out.Mac)).toHaveLength(bytes)
      expect((await v1('GenerateMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message })).Mac).toBe(out.Mac)
      expect((await v1('VerifyMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message, Mac: out.Mac })).Value).toBe(true)
      const tampered = fromB64(out.Mac)
      tampered[tampered.length - 1]! ^= 1
      expect((await call('VerifyMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message, Mac: b64(tampered) })).Value).toBe(false)
      expect(
        (await call('VerifyMac', { KeyId: meta.keyId, Algorithm: keySpec, Message: message, Mac: b64(tampered.subarray(1)) })).Value,
      ).toBe(false)
      const wrongAlg = await sdkError(
        call('GenerateMac', {
          KeyId: meta.keyId,
          Algorithm: keySpec === 'HMAC_SHA_256' ? 'HMAC_SHA_512' : 'HMAC_SHA_256',
          Message: message,
        }),
      )
      expect([wrongAlg.code, wrongAlg.statusCode]).toEqual(['InvalidParameter', 400])
    }
  })
})
