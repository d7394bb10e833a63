/**
 * External keys (XKS) end to end: official SDK / openapi-client callApi → Worker → hsm-bridge
 * (XKS client, SigV4) → the bridge's own XKS endpoint over SoftHSMv2 as the EKM. Covers the key
 * store actions, CreateKey Origin=EXTERNAL_KEY_STORE, Encrypt/Decrypt/GenerateDataKey/ReEncrypt
 * (software ↔ external), the three state checks (KMS key, store connection, EKM key), refused
 * rotation/import, a hung EKM (SIGSTOP: 503 after the deadline), and a `kill -9` of a separate
 * EKM bridge under 16-way load (only 503s, no wrong plaintext). Skipped when the stack runs no bridge.
 */
import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeToken, newSecret, send, signedRequest, type TokenFixture } from '../../hsm-bridge/test/helpers'
import { spawnXksBridge, XKS_CRED, XKS_PREFIX, type XksBridge } from '../../hsm-bridge/test/xks-helpers'
import { freePort } from '../../scripts/lib/stack'
import { b64, Kms, kmsClient, openApiCaller, sdkError, stackInfo } from './clients'

const stack = stackInfo()
const hsm = stack.hsm
const xks = hsm?.xks

/** The EKM's admin route on a bridge (create / enable / disable an XKS key). */
async function ekmAdmin(bridgeUrl: string, secret: string, action: 'create' | 'enable' | 'disable', id: string) {
  const r = await send(signedRequest(bridgeUrl, { path: `/v1/xks/keys/${action}`, body: JSON.stringify({ id }), secret }))
  expect(r.status).toBe(200)
  return r.json
}

async function callError(p: Promise<unknown>) {
  const e = await sdkError(p)
  return { code: e.code, status: e.statusCode }
}

describe.skipIf(!xks)('external keys through the bridge as XKS proxy (SoftHSMv2)', () => {
  const call = openApiCaller()
  const sdk = kmsClient()
  const ekmKey = `ekm-${randomBytes(4).toString('hex')}`
  let keyStoreId: string
  let keyId: string

  beforeAll(async () => {
    await ekmAdmin(hsm!.url, hsm!.secret, 'create', ekmKey)
  })

  it('CreateExternalKeyStore → Disconnected; CreateKey before Connect is refused; Connect → Connected', async () => {
    const created = await call('CreateExternalKeyStore', {
      KeyStoreName: 'local-ekm',
      XksProxyUriEndpoint: xks!.endpoint,
      XksProxyUriPath: xks!.uriPath,
      XksProxyAccessKeyId: xks!.accessKeyId,
      XksProxyRawSecretAccessKey: xks!.secretAccessKey,
    })
    keyStoreId = created.KeyStoreId
    expect(keyStoreId).toMatch(/^xks-[0-9a-f]{24}$/)
    expect(created.KeyStore).toMatchObject({ ConnectionState: 'Disconnected', XksProxyUriPath: xks!.uriPath })
    expect(JSON.stringify(created)).not.toContain(xks!.secretAccessKey)
    expect(await callError(call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', KeyStoreId: keyStoreId, XksKeyId: ekmKey }))).toEqual({
      code: 'Rejected.StateModifiedFailed',
      status: 409,
    })
    const connected = await call('ConnectExternalKeyStore', { KeyStoreId: keyStoreId })
    expect(connected.KeyStore.ConnectionState).toBe('Connected')
    const described = await call('DescribeExternalKeyStore', { KeyStoreId: keyStoreId })
    expect(described.KeyStore.ConnectionState).toBe('Connected')
  })

  it('a wrong credential fails Connect (the store reports XKS_PROXY_INVALID_CONFIGURATION); bad input is 400', async () => {
    const bad = await call('CreateExternalKeyStore', {
      KeyStoreName: 'bad-cred',
      XksProxyUriEndpoint: xks!.endpoint,
      XksProxyUriPath: xks!.uriPath,
      XksProxyAccessKeyId: xks!.accessKeyId,
      XksProxyRawSecretAccessKey: randomBytes(32).toString('base64'),
    })
    expect((await callError(call('ConnectExternalKeyStore', { KeyStoreId: bad.KeyStoreId }))).status).toBe(409)
    const d = await call('DescribeExternalKeyStore', { KeyStoreId: bad.KeyStoreId })
    expect(d.KeyStore).toMatchObject({ ConnectionState: 'Failed', ConnectionErrorCode: 'XKS_PROXY_INVALID_CONFIGURATION' })
    for (const over of [
      { XksProxyUriEndpoint: 'http://example.com' },
      { XksProxyUriPath: '/no/suffix' },
      { XksProxyAccessKeyId: 'short' },
    ]) {
      const e = await callError(
        call('CreateExternalKeyStore', {
          KeyStoreName: 'x',
          XksProxyUriEndpoint: xks!.endpoint,
          XksProxyUriPath: xks!.uriPath,
          XksProxyAccessKeyId: xks!.accessKeyId,
          XksProxyRawSecretAccessKey: xks!.secretAccessKey,
          ...over,
        }),
      )
      expect(e, JSON.stringify(over)).toEqual({ code: 'InvalidParameter', status: 400 })
    }
    expect((await callError(call('DescribeExternalKeyStore', { KeyStoreId: 'xks-000000000000000000000000' }))).status).toBe(400)
  })

  it('CreateKey Origin=EXTERNAL_KEY_STORE; Encrypt/Decrypt/GenerateDataKey with the official SDK; suite 0x05 blobs', async () => {
    const created = await call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', KeyStoreId: keyStoreId, XksKeyId: ekmKey, Description: 'hyok' })
    keyId = created.KeyMetadata.KeyId
    expect(created.KeyMetadata).toMatchObject({ Origin: 'EXTERNAL_KEY_STORE', KeySpec: 'Aliyun_AES_256', KeyState: 'Enabled' })
    const enc = await sdk.encrypt(new Kms.EncryptRequest({ keyId, plaintext: b64('hold your own key'), encryptionContext: { app: 'xks' } }))
    const blob = Buffer.from(enc.ciphertextBlob!, 'base64')
    expect([blob[0], blob[1]]).toEqual([1, 5])
    const dec = await sdk.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { app: 'xks' } }))
    expect(Buffer.from(dec.plaintext!, 'base64').toString()).toBe('hold your own key')
    expect(dec.keyId).toBe(keyId)
    const wrongContext = await sdkError(
      sdk.decrypt(new Kms.DecryptRequest({ ciphertextBlob: enc.ciphertextBlob, encryptionContext: { app: 'other' } })),
    )
    expect(wrongContext.code).toBe('InvalidCiphertext')
    expect(
      await callError(call('Decrypt', { CiphertextBlob: enc.ciphertextBlob!, EncryptionContext: JSON.stringify({ app: 'other' }) })),
    ).toEqual({ code: 'InvalidCiphertext', status: 400 })
    // Tampering with the EKM layer or the software header: the uniform invalid ciphertext.
    for (const at of [40, blob.length - 1]) {
      const t = Buffer.from(blob)
      t[at]! ^= 1
      const e = await callError(
        call('Decrypt', { CiphertextBlob: t.toString('base64'), EncryptionContext: JSON.stringify({ app: 'xks' }) }),
      )
      expect(e).toEqual({ code: 'InvalidCiphertext', status: 400 })
    }
    const dk = await sdk.generateDataKey(new Kms.GenerateDataKeyRequest({ keyId, numberOfBytes: 32 }))
    const back = await sdk.decrypt(new Kms.DecryptRequest({ ciphertextBlob: dk.ciphertextBlob }))
    expect(back.plaintext).toBe(dk.plaintext)
    const wp = await call('GenerateDataKeyWithoutPlaintext', { KeyId: keyId })
    expect(Buffer.from(wp.CiphertextBlob, 'base64')[1]).toBe(5)
  })

  it('ReEncrypt software → external and external → software', async () => {
    const { keyMetadata } = await sdk.createKey(new Kms.CreateKeyRequest({}))
    const softId = keyMetadata!.keyId!
    const soft = await sdk.encrypt(new Kms.EncryptRequest({ keyId: softId, plaintext: b64('move me') }))
    // ReEncrypt is not in the 1.x SDK: openapi-client callApi (ACS3).
    const toExt = await call('ReEncrypt', {
      CiphertextBlob: soft.ciphertextBlob!,
      DestinationKeyId: keyId,
      DestinationEncryptionContext: JSON.stringify({ to: 'ext' }),
    })
    expect(Buffer.from(toExt.CiphertextBlob, 'base64')[1]).toBe(5)
    expect(toExt.SourceKeyId).toBe(softId)
    const toSoft = await call('ReEncrypt', {
      CiphertextBlob: toExt.CiphertextBlob,
      SourceEncryptionContext: JSON.stringify({ to: 'ext' }),
      DestinationKeyId: softId,
    })
    expect(Buffer.from(toSoft.CiphertextBlob, 'base64')[1]).toBe(1)
    expect(toSoft.SourceKeyId).toBe(keyId)
    const dec = await sdk.decrypt(new Kms.DecryptRequest({ ciphertextBlob: toSoft.CiphertextBlob }))
    expect(Buffer.from(dec.plaintext!, 'base64').toString()).toBe('move me')
  })

  it('rotation, new versions and import are refused with Unsupported.Origin', async () => {
    expect(
      await callError(call('UpdateRotationPolicy', { KeyId: keyId, EnableAutomaticRotation: 'true', RotationInterval: '604800s' })),
    ).toEqual({
      code: 'Unsupported.Origin',
      status: 400,
    })
    expect(
      (
        await callError(
          call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', KeyStoreId: keyStoreId, XksKeyId: ekmKey, EnableAutomaticRotation: 'true' }),
        )
      ).code,
    ).toBe('Unsupported.Origin')
    expect(
      (
        await callError(
          call('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }),
        )
      ).status,
    ).toBe(400)
    expect(
      (
        await callError(
          call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', KeyStoreId: keyStoreId, XksKeyId: ekmKey, KeySpec: 'Aliyun_SM4' }),
        )
      ).status,
    ).toBe(400)
    expect(
      (await callError(call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', KeyStoreId: keyStoreId, XksKeyId: 'never-created' }))).code,
    ).toBe('Rejected.StateModifiedFailed')
  })

  it('the key disabled in the EKM: Encrypt and Decrypt fail with Rejected.StateModifiedFailed (never InvalidCiphertext); re-enabled works', async () => {
    const enc = await call('Encrypt', { KeyId: keyId, Plaintext: b64('before') })
    await ekmAdmin(hsm!.url, hsm!.secret, 'disable', ekmKey)
    try {
      expect(await callError(call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }))).toEqual({
        code: 'Rejected.StateModifiedFailed',
        status: 409,
      })
      expect(await callError(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).toEqual({
        code: 'Rejected.StateModifiedFailed',
        status: 409,
      })
    } finally {
      await ekmAdmin(hsm!.url, hsm!.secret, 'enable', ekmKey)
    }
    expect((await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext).toBe(b64('before'))
  })

  it('a disconnected store or a disabled KMS key refuses crypto; reconnect / enable restores it', async () => {
    const enc = await call('Encrypt', { KeyId: keyId, Plaintext: b64('kept') })
    await call('DisconnectExternalKeyStore', { KeyStoreId: keyStoreId })
    expect(await callError(call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }))).toEqual({
      code: 'Rejected.StateModifiedFailed',
      status: 409,
    })
    expect(await callError(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).toEqual({
      code: 'Rejected.StateModifiedFailed',
      status: 409,
    })
    await call('ConnectExternalKeyStore', { KeyStoreId: keyStoreId })
    await call('DisableKey', { KeyId: keyId })
    expect((await callError(call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }))).code).toBe('Rejected.Disabled')
    await call('EnableKey', { KeyId: keyId })
    expect((await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext).toBe(b64('kept'))
  })

  describe('kill -9 of the EKM (a separate bridge) under 16-way load', () => {
    let token: TokenFixture
    let ekm: XksBridge
    let secret: string
    let ports: { port: number; xksPort: number }

    beforeAll(async () => {
      token = await makeToken()
      secret = newSecret()
      ports = { port: await freePort(), xksPort: await freePort() }
      ekm = await spawnXksBridge(token, secret, ports)
    })
    afterAll(async () => {
      await ekm?.stop()
      await token?.cleanup()
    })

    it('an EKM that hangs (SIGSTOP) is 503 ServiceUnavailableTemporary after the deadline, for Encrypt and Decrypt; SIGCONT recovers', async () => {
      await ekmAdmin(ekm.url, secret, 'create', 'hang-test')
      const store = await call('CreateExternalKeyStore', {
        KeyStoreName: 'hangable',
        XksProxyUriEndpoint: ekm.xksUrl,
        XksProxyUriPath: `${XKS_PREFIX}/kms/xks/v1`,
        XksProxyAccessKeyId: XKS_CRED.accessKeyId,
        XksProxyRawSecretAccessKey: XKS_CRED.secretAccessKey,
      })
      await call('ConnectExternalKeyStore', { KeyStoreId: store.KeyStoreId })
      const key = (await call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', KeyStoreId: store.KeyStoreId, XksKeyId: 'hang-test' }))
        .KeyMetadata.KeyId
      const enc = await call('Encrypt', { KeyId: key, Plaintext: b64('slow') })
      ekm.kill('SIGSTOP')
      try {
        const hung = await sdkError(call('Encrypt', { KeyId: key, Plaintext: b64('x') }))
        expect([hung.code, hung.statusCode], hung.message).toEqual(['ServiceUnavailableTemporary', 503])
        expect(await callError(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).toEqual({
          code: 'ServiceUnavailableTemporary',
          status: 503,
        })
      } finally {
        ekm.kill('SIGCONT')
      }
      expect((await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext).toBe(b64('slow'))
    })

    it('gives only 503 ServiceUnavailableTemporary during the outage, 0 wrong plaintexts, and recovers', async () => {
      await ekmAdmin(ekm.url, secret, 'create', 'kill-test')
      const store = await call('CreateExternalKeyStore', {
        KeyStoreName: 'killable',
        XksProxyUriEndpoint: ekm.xksUrl,
        XksProxyUriPath: `${XKS_PREFIX}/kms/xks/v1`,
        XksProxyAccessKeyId: XKS_CRED.accessKeyId,
        XksProxyRawSecretAccessKey: XKS_CRED.secretAccessKey,
      })
      await call('ConnectExternalKeyStore', { KeyStoreId: store.KeyStoreId })
      const key = (await call('CreateKey', { Origin: 'EXTERNAL_KEY_STORE', KeyStoreId: store.KeyStoreId, XksKeyId: 'kill-test' }))
        .KeyMetadata.KeyId
      const outcomes = { ok: 0, wrong: 0, unavailable: 0, other: [] as string[] }
      let stop = false
      let restartBegan = 0
      let firstSuccessAfterRestart = 0
      const worker = async (n: number) => {
        while (!stop) {
          const plaintext = randomBytes(16 + n).toString('base64')
          try {
            const enc = await call('Encrypt', { KeyId: key, Plaintext: plaintext })
            const dec = await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob })
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
      const workers = Array.from({ length: 16 }, (_, i) => worker(i))
      const until = async (cond: () => boolean, ms: number) => {
        const end = Date.now() + ms
        while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
      }
      await until(() => outcomes.ok >= 16, 20_000)
      const okBefore = outcomes.ok
      ekm.kill('SIGKILL')
      await ekm.exited
      await until(() => outcomes.unavailable >= 16, 20_000)
      const unavailableDuringOutage = outcomes.unavailable
      restartBegan = Date.now()
      ekm = await spawnXksBridge(token, secret, ports)
      await until(() => firstSuccessAfterRestart > 0, 30_000)
      stop = true
      await Promise.all(workers)
      const recoveryMs = firstSuccessAfterRestart - restartBegan
      console.log(JSON.stringify({ event: 'xks-kill-restart', okBefore, ...outcomes, unavailableDuringOutage, recoveryMs }))
      expect(okBefore).toBeGreaterThan(0)
      expect(outcomes.wrong).toBe(0)
      expect(outcomes.other).toEqual([])
      expect(unavailableDuringOutage).toBeGreaterThan(0)
      expect(firstSuccessAfterRestart).toBeGreaterThan(0)
    })
  })
})
