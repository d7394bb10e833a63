/**
 * AWS custom key stores (EXTERNAL_KEY_STORE) end to end with the official @aws-sdk/client-kms:
 * Worker → hsm-bridge (XKS client, SigV4) → the bridge's XKS v1 proxy over SoftHSMv2 as the EKM
 * (the same proxy test/integration/external-keys.test.ts uses). CreateCustomKeyStore →
 * ConnectCustomKeyStore → DescribeCustomKeyStores CONNECTED → CreateKey(EXTERNAL_KEY_STORE,
 * XksKeyId) → Encrypt/Decrypt → DeleteCustomKeyStore refused (CustomKeyStoreHasCMKsException) →
 * Disconnect → UpdateCustomKeyStore → Describe; plus the proxy's refusals as AWS exceptions.
 * Skipped when the stack runs no bridge.
 */
import { randomBytes } from 'node:crypto'
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms'
import { beforeAll, describe, expect, it } from 'vitest'

import { send, signedRequest } from '../../hsm-bridge/test/helpers'
import { stackInfo } from './clients'

const stack = stackInfo()
const hsm = stack.hsm
const xks = hsm?.xks

const kms = new KMSClient({
  region: stack.regionId,
  endpoint: stack.endpoint,
  credentials: { accessKeyId: stack.accessKeyId, secretAccessKey: stack.accessKeySecret },
  maxAttempts: 1,
})

async function ekmAdmin(action: 'create' | 'disable', id: string) {
  const r = await send(signedRequest(hsm!.url, { path: `/v1/xks/keys/${action}`, body: JSON.stringify({ id }), secret: hsm!.secret }))
  expect(r.status).toBe(200)
}

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode }
  }
  throw new Error('expected the call to fail')
}

describe.skipIf(!xks)('AWS custom key stores through the bridge as XKS proxy (SoftHSMv2)', () => {
  const tag = randomBytes(4).toString('hex')
  const ekmKey = `aws-ekm-${tag}`
  const offKey = `aws-off-${tag}`
  const credential = () => ({ AccessKeyId: xks!.accessKeyId, RawSecretAccessKey: xks!.secretAccessKey })
  let storeId: string
  let keyId: string

  beforeAll(async () => {
    await ekmAdmin('create', ekmKey)
    await ekmAdmin('create', offKey)
    await ekmAdmin('disable', offKey)
  })

  it('CreateCustomKeyStore → DISCONNECTED; Connect → CONNECTED (Describe by id and by name)', async () => {
    const out = await kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: `aws-xks-${tag}`,
        CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
        XksProxyConnectivity: 'PUBLIC_ENDPOINT',
        XksProxyUriEndpoint: xks!.endpoint,
        XksProxyUriPath: xks!.uriPath,
        XksProxyAuthenticationCredential: credential(),
      }),
    )
    storeId = out.CustomKeyStoreId!
    expect(storeId).toMatch(/^xks-[0-9a-f]{24}$/)
    expect((await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId }))).CustomKeyStores![0]).toMatchObject({
      ConnectionState: 'DISCONNECTED',
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    })
    expect(
      await failure(kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: ekmKey }))),
    ).toEqual({
      name: 'CustomKeyStoreInvalidStateException',
      status: 400,
    })
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }))
    const byName = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: `aws-xks-${tag}` }))
    expect(byName.CustomKeyStores).toEqual([
      {
        CustomKeyStoreId: storeId,
        CustomKeyStoreName: `aws-xks-${tag}`,
        CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
        ConnectionState: 'CONNECTED',
        CreationDate: expect.any(Date),
        XksProxyConfiguration: {
          Connectivity: 'PUBLIC_ENDPOINT',
          AccessKeyId: xks!.accessKeyId,
          UriEndpoint: xks!.endpoint,
          UriPath: xks!.uriPath,
        },
      },
    ])
    const all = await kms.send(new DescribeCustomKeyStoresCommand({}))
    expect(all.CustomKeyStores!.map((s) => s.CustomKeyStoreId)).toContain(storeId)
    expect(JSON.stringify(all)).not.toContain(xks!.secretAccessKey)
  })

  it('CreateKey(EXTERNAL_KEY_STORE, XksKeyId) → DescribeKey shows the store and XKS key; Encrypt/Decrypt/GenerateDataKey work', async () => {
    const created = (
      await kms.send(
        new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId: ekmKey, Description: 'hyok' }),
      )
    ).KeyMetadata!
    keyId = created.KeyId!
    expect(created).toMatchObject({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyConfiguration: { Id: ekmKey } })
    const described = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!
    expect(described).toMatchObject({
      KeyId: keyId,
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: storeId,
      XksKeyConfiguration: { Id: ekmKey },
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
    })
    const enc = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: new TextEncoder().encode('held outside'), EncryptionContext: { app: 'aws-xks' } }),
    )
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { app: 'aws-xks' } }))
    expect(new TextDecoder().decode(dec.Plaintext)).toBe('held outside')
    expect(dec.KeyId).toBe(described.Arn)
    expect(
      await failure(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { app: 'other' } }))),
    ).toEqual({
      name: 'InvalidCiphertextException',
      status: 400,
    })
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }))
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }))
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true)
  })

  it("the proxy's refusals are AWS's exceptions", async () => {
    const create = (XksKeyId: string) =>
      kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId, XksKeyId }))
    expect(await failure(create(`absent-${tag}`))).toEqual({ name: 'XksKeyNotFoundException', status: 400 })
    expect(await failure(create(offKey))).toEqual({ name: 'XksKeyInvalidConfigurationException', status: 400 })
    expect(await failure(create(ekmKey))).toEqual({ name: 'XksKeyAlreadyInUseException', status: 400 })
    expect(
      await failure(
        kms.send(
          new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: 'xks-000000000000000000000000', XksKeyId: ekmKey }),
        ),
      ),
    ).toEqual({ name: 'CustomKeyStoreNotFoundException', status: 400 })
    expect(await failure(kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: storeId })))).toEqual({
      name: 'ValidationException',
      status: 400,
    })
    // A store whose credential the proxy refuses: Connect answers {} and the store is FAILED.
    const bad = await kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: `aws-bad-${tag}`,
        CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
        XksProxyConnectivity: 'PUBLIC_ENDPOINT',
        XksProxyUriEndpoint: xks!.endpoint,
        XksProxyUriPath: xks!.uriPath,
        XksProxyAuthenticationCredential: { AccessKeyId: xks!.accessKeyId, RawSecretAccessKey: randomBytes(32).toString('base64') },
      }),
    )
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: bad.CustomKeyStoreId }))
    expect(
      (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: bad.CustomKeyStoreId }))).CustomKeyStores![0],
    ).toMatchObject({
      ConnectionState: 'FAILED',
      ConnectionErrorCode: 'XKS_PROXY_INVALID_CONFIGURATION',
    })
    // Nothing in it: deletable once it is not connected (FAILED counts).
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: bad.CustomKeyStoreId }))
    expect(await failure(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: bad.CustomKeyStoreId })))).toEqual({
      name: 'CustomKeyStoreNotFoundException',
      status: 400,
    })
  })

  it('DeleteCustomKeyStore is refused while connected and while it has a key; Disconnect → Update name → Describe shows it', async () => {
    expect(await failure(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeId })))).toEqual({
      name: 'CustomKeyStoreInvalidStateException',
      status: 400,
    })
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }))
    expect(await failure(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeId })))).toEqual({
      name: 'CustomKeyStoreHasCMKsException',
      status: 400,
    })
    // Disconnected: its keys cannot be used.
    expect(await failure(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: new Uint8Array([1]) })))).toEqual({
      name: 'KMSInvalidStateException',
      status: 400,
    })
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeId, NewCustomKeyStoreName: `aws-xks-${tag}-renamed` }))
    const d = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId }))).CustomKeyStores![0]!
    expect(d).toMatchObject({ CustomKeyStoreName: `aws-xks-${tag}-renamed`, ConnectionState: 'DISCONNECTED' })
    // Reconnected under its new name, the key works again.
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }))
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: new Uint8Array([1, 2, 3]) }))
    expect(enc.KeyId).toContain(keyId)
  })
})
