/**
 * HSM-protected keys end to end: official SDK → Worker → hsm-bridge → SoftHSMv2 of the
 * shared stack. Objects are inspected with pkcs11js directly on the stack's token; signatures are
 * checked with node:crypto and WebCrypto; a `kill -9` of the bridge under load must give only
 * 503 ServiceUnavailableTemporary and never a wrong result. Skipped when the stack has no bridge.
 */
import * as nodeCrypto from 'node:crypto'
import pkcs11js from 'pkcs11js'
import { describe, expect, it } from 'vitest'
import { hsmObjectId } from '../../core/domain/keys/hsm/hsm-keys'
import { HsmBridgeClient } from '../../core/hsm-client/client'
import { runCronOnce } from '../../scripts/lib/cron'
import { restartHsmBridge } from '../../scripts/lib/stack'
import { b64, Kms, kmsClient, openApiCaller, sdkError, stackInfo, unb64 } from './clients'

const P = pkcs11js
const DAY = 86_400_000
const stack = stackInfo()
const hsmInfo = stack.hsm
const fromB64 = (s: string) => Buffer.from(s, 'base64')
const sha256 = (b: Uint8Array) => nodeCrypto.createHash('sha256').update(b).digest()

async function createHsmKey(keySpec = 'Aliyun_AES_256', keyUsage = 'ENCRYPT/DECRYPT') {
  const { keyMetadata } = await kmsClient().createKey(new Kms.CreateKeyRequest({ keySpec, keyUsage, protectionLevel: 'HSM' }))
  return { keyId: keyMetadata.keyId as string, versionId: keyMetadata.primaryKeyVersion as string, meta: keyMetadata }
}

function bridgeClient(): HsmBridgeClient {
  return new HsmBridgeClient({ baseUrl: hsmInfo!.url, secret: hsmInfo!.secret })
}

interface TokenObject {
  cls: number
  token: boolean
  sensitive: boolean
  extractable: boolean
  /** The PKCS#11 return code when reading the secret value (CKR_ATTRIBUTE_SENSITIVE expected). */
  valueReadCode: number | undefined
}

/** Every object with CKA_ID = id on the stack's token, read with a fresh pkcs11js session. */
function tokenObjects(id: string): TokenObject[] {
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
    const flag = (h: Buffer, type: number) => m.C_GetAttributeValue(session, h, [{ type }])[0]!.value[0] === 1
    return handles.map((h) => {
      const cls = m.C_GetAttributeValue(session, h, [{ type: P.CKA_CLASS }])[0]!.value.readUInt32LE(0)
      const secret = cls !== P.CKO_PUBLIC_KEY
      let valueReadCode: number | undefined
      if (secret) {
        try {
          m.C_GetAttributeValue(session, h, [{ type: cls === P.CKO_SECRET_KEY ? P.CKA_VALUE : P.CKA_PRIVATE_EXPONENT }])
        } catch (err) {
          valueReadCode = (err as pkcs11js.Pkcs11Error).code
        }
      }
      return {
        cls,
        token: flag(h, P.CKA_TOKEN),
        sensitive: secret ? flag(h, P.CKA_SENSITIVE) : false,
        extractable: secret ? flag(h, P.CKA_EXTRACTABLE) : true,
        valueReadCode,
      }
    })
  } finally {
    m.C_Finalize()
  }
}

describe.skipIf(!hsmInfo?.softHsmConf)('HSM keys through the official SDK (SoftHSMv2 via hsm-bridge)', () => {
  it('CreateKey HSM AES: DescribeKey shows HSM; the token holds one sensitive, non-extractable object', async () => {
    const { keyId, versionId, meta } = await createHsmKey()
    expect(meta).toMatchObject({ protectionLevel: 'HSM', keyState: 'Enabled', keySpec: 'Aliyun_AES_256' })
    const described = (await kmsClient().describeKey(new Kms.DescribeKeyRequest({ keyId }))).keyMetadata
    expect(described.protectionLevel).toBe('HSM')
    const objects = tokenObjects(hsmObjectId(keyId, versionId))
    expect(objects).toHaveLength(1)
    expect(objects[0]).toMatchObject({
      cls: P.CKO_SECRET_KEY,
      token: true,
      sensitive: true,
      extractable: false,
      valueReadCode: P.CKR_ATTRIBUTE_SENSITIVE,
    })
  })

  it('Encrypt/Decrypt/GenerateDataKey/ReEncrypt with HSM keys, software ↔ HSM both ways', async () => {
    const client = kmsClient()
    const hsmKey = await createHsmKey()
    const { keyMetadata: sw } = await client.createKey(new Kms.CreateKeyRequest({}))
    const context = JSON.stringify({ app: 'hsm-it' })
    const enc = await client.encrypt(
      new Kms.EncryptRequest({ keyId: hsmKey.keyId, plaintext: b64('hsm secret'), encryptionContext: context }),
    )
    expect(enc.keyVersionId).toBe(hsmKey.versionId)
    const blob = fromB64(enc.ciphertextBlob)
    expect([blob[0], blob[1]]).toEqual([1, 2])
    const dec = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: context }))
    expect(unb64(dec.plaintext)).toBe('hsm secret')
    expect(dec.keyId).toBe(hsmKey.keyId)
    const wrongContext = await sdkError(
      client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: '{"app":"x"}' })),
    )
    expect(wrongContext.code).toBe('InvalidCiphertext')

    const dk = await client.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId: hsmKey.keyId, numberOfBytes: 32 }))
    expect(fromB64(dk.ciphertextBlob)[1]).toBe(2)
    // kms20160120 1.2.0 has no ReEncrypt; openapi-client's callApi sends it.
    const call = openApiCaller()
    const toSw = await call('ReEncrypt', { CiphertextBlob: dk.ciphertextBlob, DestinationKeyId: sw.keyId })
    expect(fromB64(toSw.CiphertextBlob)[1]).toBe(1)
    expect(toSw.SourceKeyId).toBe(hsmKey.keyId)
    const backToHsm = await call('ReEncrypt', { CiphertextBlob: toSw.CiphertextBlob, DestinationKeyId: hsmKey.keyId })
    expect(fromB64(backToHsm.CiphertextBlob)[1]).toBe(2)
    const final = await client.decrypt(new Kms.DecryptRequest({ ciphertextBlob: backToHsm.CiphertextBlob }))
    expect(final.plaintext).toBe(dk.plaintext)

    const tooBig = await sdkError(
      client.encrypt(new Kms.EncryptRequest({ keyId: hsmKey.keyId, plaintext: b64(nodeCrypto.randomBytes(6145)) })),
    )
    expect(tooBig.code).toBe('InvalidParameter')
    const rotate = await sdkError(
      client.updateRotationPolicy(
        new Kms.UpdateRotationPolicyRequest({ keyId: hsmKey.keyId, enableAutomaticRotation: true, rotationInterval: '30d' }),
      ),
    )
    expect(rotate.code).toBe('Unsupported.ProtectionLevel')
    const sign = await sdkError(
      client.asymmetricSign(
        new Kms.AsymmetricSignRequest({
          keyId: hsmKey.keyId,
          keyVersionId: hsmKey.versionId,
          algorithm: 'ECDSA_SHA_256',
          digest: b64(sha256(Buffer.from('x'))),
        }),
      ),
    )
    expect(sign.code).toBe('Rejected.UnsupportedKeyUsage')
    const k1 = await sdkError(
      client.createKey(new Kms.CreateKeyRequest({ keySpec: 'EC_P256K', keyUsage: 'SIGN/VERIFY', protectionLevel: 'HSM' })),
    )
    expect(k1.code).toBe('Unsupported.ProtectionLevel')
  })

  for (const [keySpec, algorithm] of [
    ['RSA_2048', 'RSA_PSS_SHA_256'],
    ['RSA_2048', 'RSA_PKCS1_SHA_256'],
    ['EC_P256', 'ECDSA_SHA_256'],
  ] as const) {
    it(`${keySpec} ${algorithm}: AsymmetricSign verifies with node:crypto and WebCrypto; GetPublicKey; AsymmetricVerify`, async () => {
      const client = kmsClient()
      const { keyId, versionId, meta } = await createHsmKey(keySpec, 'SIGN/VERIFY')
      expect(meta.protectionLevel).toBe('HSM')
      const pem = (await client.getPublicKey(new Kms.GetPublicKeyRequest({ keyId, keyVersionId: versionId }))).publicKey as string
      const message = nodeCrypto.randomBytes(100)
      const res = await client.asymmetricSign(
        new Kms.AsymmetricSignRequest({ keyId, keyVersionId: versionId, algorithm, digest: b64(sha256(message)) }),
      )
      const signature = fromB64(res.value)
      const pub = nodeCrypto.createPublicKey(pem)
      const nodeOk =
        algorithm === 'RSA_PSS_SHA_256'
          ? nodeCrypto.verify(
              'sha256',
              message,
              { key: pub, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
              signature,
            )
          : nodeCrypto.verify('sha256', message, { key: pub, dsaEncoding: 'der' }, signature)
      expect(nodeOk).toBe(true)
      const spki = pub.export({ type: 'spki', format: 'der' })
      const webAlg =
        keySpec === 'EC_P256'
          ? { name: 'ECDSA', namedCurve: 'P-256' }
          : { name: algorithm === 'RSA_PSS_SHA_256' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
      const webKey = await crypto.subtle.importKey('spki', spki, webAlg, false, ['verify'])
      const webSig = keySpec === 'EC_P256' ? ieeeP1363(signature) : signature
      const verifyAlg = keySpec === 'EC_P256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: webAlg.name, saltLength: 32 }
      expect(await crypto.subtle.verify(verifyAlg, webKey, new Uint8Array(webSig), new Uint8Array(message))).toBe(true)
      const ok = await client.asymmetricVerify(
        new Kms.AsymmetricVerifyRequest({ keyId, keyVersionId: versionId, algorithm, digest: b64(sha256(message)), value: res.value }),
      )
      expect(ok.value).toBe(true)
      const bad = await client.asymmetricVerify(
        new Kms.AsymmetricVerifyRequest({
          keyId,
          keyVersionId: versionId,
          algorithm,
          digest: b64(sha256(Buffer.from('other'))),
          value: res.value,
        }),
      )
      expect(bad.value).toBe(false)
      const objects = tokenObjects(hsmObjectId(keyId, versionId))
      const priv = objects.find((o) => o.cls === P.CKO_PRIVATE_KEY)!
      expect(priv).toMatchObject({ token: true, sensitive: true, extractable: false })
    })
  }

  it('RSA_2048 ENCRYPT/DECRYPT: AsymmetricDecrypt of node:crypto OAEP ciphertexts (SHA-256 and SHA-1)', async () => {
    const client = kmsClient()
    const { keyId, versionId } = await createHsmKey('RSA_2048', 'ENCRYPT/DECRYPT')
    const pem = (await client.getPublicKey(new Kms.GetPublicKeyRequest({ keyId, keyVersionId: versionId }))).publicKey as string
    for (const [algorithm, oaepHash] of [
      ['RSAES_OAEP_SHA_256', 'sha256'],
      ['RSAES_OAEP_SHA_1', 'sha1'],
    ] as const) {
      const secret = nodeCrypto.randomBytes(48)
      const ct = nodeCrypto.publicEncrypt({ key: pem, padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, secret)
      const dec = await client.asymmetricDecrypt(
        new Kms.AsymmetricDecryptRequest({ keyId, keyVersionId: versionId, algorithm, ciphertextBlob: b64(ct) }),
      )
      expect(fromB64(dec.plaintext).equals(secret)).toBe(true)
      const tampered = Buffer.from(ct)
      tampered[10]! ^= 1
      const err = await sdkError(
        client.asymmetricDecrypt(
          new Kms.AsymmetricDecryptRequest({ keyId, keyVersionId: versionId, algorithm, ciphertextBlob: b64(tampered) }),
        ),
      )
      expect(err.code).toBe('InvalidCiphertext')
    }
  })

  it('scheduled deletion destroys the HSM object when the window ends', async () => {
    const client = kmsClient()
    const { keyId, versionId } = await createHsmKey()
    const objectId = hsmObjectId(keyId, versionId)
    await client.scheduleKeyDeletion(new Kms.ScheduleKeyDeletionRequest({ keyId, pendingWindowInDays: 7 }))
    await runCronOnce(stack.endpoint, stack.dataDir, { at: new Date(Date.now() + 1 * DAY) })
    expect(tokenObjects(objectId).length).toBeGreaterThan(0)
    const { reports } = await runCronOnce(stack.endpoint, stack.dataDir, { at: new Date(Date.now() + 8 * DAY) })
    expect(reports.find((r) => r.job === 'purge-deleted-keys')!.failed).toBe(0)
    expect(tokenObjects(objectId)).toHaveLength(0)
    expect(await bridgeClient().listKeys()).not.toContain(objectId)
    expect((await sdkError(client.describeKey(new Kms.DescribeKeyRequest({ keyId })))).code).toBe('Forbidden.KeyNotFound')
  })

  it('the reconciler removes an HSM object no row owns in one run and leaves foreign objects alone', async () => {
    const bridge = bridgeClient()
    const orphan = hsmObjectId(nodeCrypto.randomUUID(), nodeCrypto.randomUUID())
    const foreign = `it-foreign-${nodeCrypto.randomBytes(4).toString('hex')}`
    await bridge.generateKey(orphan, 'AES_256')
    await bridge.generateKey(foreign, 'AES_256')
    const live = await createHsmKey()
    const { reports } = await runCronOnce(stack.endpoint, stack.dataDir)
    const report = reports.find((r) => r.job === 'reconcile-hsm-keys')!
    expect(report).toMatchObject({ failed: 0 })
    expect(report.processed).toBeGreaterThanOrEqual(1)
    const ids = await bridge.listKeys()
    expect(ids).not.toContain(orphan)
    expect(ids).toContain(foreign)
    expect(ids).toContain(hsmObjectId(live.keyId, live.versionId))
    await bridge.destroyKey(foreign)
  })

  describe('bridge killed under load', () => {
    // The restarted bridge is detached so later test files keep an HSM; global-setup's teardown
    // stops it (its pid is in <dataDir>/hsm-bridge-restarted.pid).
    it('gives only 503 ServiceUnavailableTemporary during the outage, 0 wrong results, and recovers', async () => {
      const call = openApiCaller()
      const { keyId } = await createHsmKey()
      const outcomes = { ok: 0, wrong: 0, unavailable: 0, other: [] as string[] }
      let stop = false
      let restartBegan = 0
      let firstSuccessAfterRestart = 0
      const worker = async (n: number) => {
        while (!stop) {
          const plaintext = nodeCrypto.randomBytes(16 + n).toString('base64')
          try {
            const enc = await call('Encrypt', { KeyId: keyId, Plaintext: plaintext })
            const dec = await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob as string })
            if (dec.Plaintext !== plaintext) outcomes.wrong++
            else {
              outcomes.ok++
              if (restartBegan && !firstSuccessAfterRestart) firstSuccessAfterRestart = Date.now()
            }
          } catch (err) {
            const e = err as { code?: string; data?: { statusCode?: number; httpStatusCode?: number }; statusCode?: number }
            const status = e.data?.statusCode ?? e.statusCode ?? e.data?.httpStatusCode
            const code = String(e.code ?? '').replace(/Error$/, '')
            if (code === 'ServiceUnavailableTemporary' && status === 503) outcomes.unavailable++
            else outcomes.other.push(`${code}:${status}`)
            await new Promise((r) => setTimeout(r, 20))
          }
        }
      }
      const workers = Array.from({ length: 8 }, (_, i) => worker(i))
      await new Promise((r) => setTimeout(r, 1000))
      const okBefore = outcomes.ok
      process.kill(hsmInfo!.pid, 'SIGKILL')
      await new Promise((r) => setTimeout(r, 1500))
      const unavailableDuringOutage = outcomes.unavailable
      restartBegan = Date.now()
      await restartHsmBridge(stack.dataDir, hsmInfo!, { detached: true })
      const deadline = Date.now() + 15_000
      while (!firstSuccessAfterRestart && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, 500))
      stop = true
      await Promise.all(workers)
      const recoveryMs = firstSuccessAfterRestart - restartBegan
      console.log(JSON.stringify({ event: 'hsm-kill-restart', okBefore, ...outcomes, unavailableDuringOutage, recoveryMs }))
      expect(okBefore).toBeGreaterThan(0)
      expect(outcomes.wrong).toBe(0)
      expect(outcomes.other).toEqual([])
      expect(unavailableDuringOutage).toBeGreaterThan(0)
      expect(firstSuccessAfterRestart).toBeGreaterThan(0)
      expect(recoveryMs).toBeLessThan(3000)
    })
  })
})

/** DER ECDSA signature → IEEE P1363 r‖s (32 bytes each), for WebCrypto. */
function ieeeP1363(der: Uint8Array): Uint8Array {
  let i = 2
  if (der[1]! & 0x80) i += der[1]! & 0x7f
  const read = () => {
    const len = der[i + 1]!
    const v = der.subarray(i + 2, i + 2 + len)
    i += 2 + len
    const trimmed = v[0] === 0 ? v.subarray(1) : v
    const out = new Uint8Array(32)
    out.set(trimmed, 32 - trimmed.length)
    return out
  }
  const r = read()
  const s = read()
  return Buffer.concat([r, s])
}
