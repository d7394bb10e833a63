/**
 * AWS custom key stores (EXTERNAL_KEY_STORE) on fakes, through the official @aws-sdk/client-kms:
 * request validation (types, CloudHSM and VPC refusals, the credential), the AWS shapes of
 * DescribeCustomKeyStores (never the secret), Connect's `{}` with the outcome in the state,
 * UpdateCustomKeyStore / DeleteCustomKeyStore rules, CreateKey / DescribeKey of external keys and
 * their exception names, and Encrypt/Decrypt. The XKS proxy is test/fakes/xks.ts (a real proxy
 * runs in test/integration/aws-custom-key-stores.test.ts).
 */
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
  KMSClient,
  ScheduleKeyDeletionCommand,
  UpdateCustomKeyStoreCommand,
  type CreateCustomKeyStoreCommandInput,
} from '@aws-sdk/client-kms'
import { beforeEach, describe, expect, it } from 'vitest'
import { FAKE_XKS_CRED, FakeXks, MemoryExternalKeyStores } from '../fakes/xks'
import { inProcessHandler } from './aws-harness'
import { fake, v1 } from './harness'

const REGION = fake.deps.region
let lastBody = ''
const kmsAs = (accessKeyId: string, secretAccessKey: string) =>
  new KMSClient({
    region: REGION,
    endpoint: 'http://kms.test',
    credentials: { accessKeyId, secretAccessKey },
    requestHandler: inProcessHandler((_status, body) => (lastBody = new TextDecoder().decode(body))) as never,
    maxAttempts: 1,
  })
const kms = kmsAs(fake.root.accessKeyId, fake.root.accessKeySecret)

/** A RAM user of the root account allowed exactly `actions` on every resource, as a KMS client. */
async function userClient(name: string, actions: string[]): Promise<KMSClient> {
  const ram = async (action: string, params: Record<string, string>) => {
    const res = await v1(action, params, { accessKeyId: fake.root.accessKeyId, secret: fake.root.accessKeySecret, version: '2015-05-01' })
    expect(res.status, res.text).toBe(200)
    return res.json as { AccessKey: { AccessKeyId: string; AccessKeySecret: string } }
  }
  await ram('CreateUser', { UserName: name })
  await ram('CreatePolicy', {
    PolicyName: `${name}-policy`,
    PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: actions, Resource: ['*'] }] }),
  })
  await ram('AttachPolicyToUser', { UserName: name, PolicyName: `${name}-policy`, PolicyType: 'Custom' })
  const { AccessKey } = await ram('CreateAccessKey', { UserName: name })
  return kmsAs(AccessKey.AccessKeyId, AccessKey.AccessKeySecret)
}

const repo = new MemoryExternalKeyStores()
let proxy = new FakeXks(FAKE_XKS_CRED.accessKeyId, FAKE_XKS_CRED.secretAccessKey)
// The fakes have no Dynamo table, so withExternal() hands the actions these deps as they are.
const deps = fake.deps as typeof fake.deps & { externalKeyStores?: MemoryExternalKeyStores; xks?: unknown }
deps.externalKeyStores = repo
deps.xks = proxy.asClient()

let n = 0
const input = (over: Partial<CreateCustomKeyStoreCommandInput> = {}): CreateCustomKeyStoreCommandInput => ({
  CustomKeyStoreName: `store-${++n}`,
  CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
  XksProxyConnectivity: 'PUBLIC_ENDPOINT',
  XksProxyUriEndpoint: 'https://xks.example.com',
  XksProxyUriPath: '/p/kms/xks/v1',
  XksProxyAuthenticationCredential: { AccessKeyId: FAKE_XKS_CRED.accessKeyId, RawSecretAccessKey: FAKE_XKS_CRED.secretAccessKey },
  ...over,
})

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message }
  }
  throw new Error('expected the call to fail')
}

async function newStore(over: Partial<CreateCustomKeyStoreCommandInput> = {}): Promise<string> {
  const out = await kms.send(new CreateCustomKeyStoreCommand(input(over)))
  return out.CustomKeyStoreId!
}

async function describeOne(id: string) {
  return (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0]!
}

beforeEach(() => {
  proxy = new FakeXks(FAKE_XKS_CRED.accessKeyId, FAKE_XKS_CRED.secretAccessKey)
  deps.xks = proxy.asClient()
})

describe('CreateCustomKeyStore', () => {
  it('creates a DISCONNECTED store; Describe shows AWS fields and never the secret', async () => {
    const id = await newStore({ CustomKeyStoreName: 'first-store' })
    expect(id).toMatch(/^xks-[0-9a-f]{24}$/)
    const s = await describeOne(id)
    expect(lastBody).not.toContain(FAKE_XKS_CRED.secretAccessKey)
    expect(s).toEqual({
      CustomKeyStoreId: id,
      CustomKeyStoreName: 'first-store',
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      ConnectionState: 'DISCONNECTED',
      CreationDate: expect.any(Date),
      XksProxyConfiguration: {
        Connectivity: 'PUBLIC_ENDPOINT',
        AccessKeyId: FAKE_XKS_CRED.accessKeyId,
        UriEndpoint: 'https://xks.example.com',
        UriPath: '/p/kms/xks/v1',
      },
    })
    expect(await failure(newStore({ CustomKeyStoreName: 'first-store' }))).toMatchObject({
      name: 'CustomKeyStoreNameInUseException',
      status: 400,
    })
  })

  it('refuses CloudHSM, VPC endpoint services and bad input with AWS exceptions, never echoing the secret', async () => {
    const before = repo.stores.size
    const cases: Array<[Partial<CreateCustomKeyStoreCommandInput>, string]> = [
      [{ CustomKeyStoreType: undefined }, 'UnsupportedOperationException'],
      [{ CustomKeyStoreType: 'AWS_CLOUDHSM', CloudHsmClusterId: 'cluster-1234567abcd' }, 'UnsupportedOperationException'],
      [{ XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }, 'UnsupportedOperationException'],
      [{ CustomKeyStoreType: 'NOPE' as never }, 'ValidationException'],
      [{ XksProxyConnectivity: undefined }, 'ValidationException'],
      [{ XksProxyConnectivity: 'SOMETHING' as never }, 'ValidationException'],
      [{ XksProxyAuthenticationCredential: undefined }, 'ValidationException'],
      [{ XksProxyUriEndpoint: 'http://example.com' }, 'ValidationException'],
      [{ XksProxyUriEndpoint: 'https://example.com/path' }, 'ValidationException'],
      [{ XksProxyUriPath: '/no/suffix' }, 'ValidationException'],
      [{ CustomKeyStoreName: 'has space' }, 'ValidationException'],
      [{ CloudHsmClusterId: 'cluster-1234567abcd' }, 'ValidationException'],
      [
        { XksProxyAuthenticationCredential: { AccessKeyId: 'lowercase-is-bad-here', RawSecretAccessKey: FAKE_XKS_CRED.secretAccessKey } },
        'ValidationException',
      ],
      [
        { XksProxyAuthenticationCredential: { AccessKeyId: FAKE_XKS_CRED.accessKeyId, RawSecretAccessKey: 'short!secret' } },
        'ValidationException',
      ],
    ]
    for (const [over, name] of cases) {
      const f = await failure(kms.send(new CreateCustomKeyStoreCommand(input(over))))
      expect({ over, name: f.name, status: f.status }).toEqual({ over, name, status: 400 })
      expect(f.message).not.toContain(FAKE_XKS_CRED.secretAccessKey)
      expect(f.message).not.toContain('short!secret')
    }
    expect(repo.stores.size).toBe(before)
  })

  it('refuses a credential of the wrong JSON type', async () => {
    const f = await failure(kms.send(new CreateCustomKeyStoreCommand(input({ XksProxyAuthenticationCredential: 'x' as never }))))
    expect(f).toMatchObject({ name: 'ValidationException', status: 400 })
  })
})

describe('Connect / Disconnect / Describe', () => {
  it('Connect answers {} and the store is CONNECTED; an unreachable proxy leaves it FAILED with its code', async () => {
    const id = await newStore()
    await expect(kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))).resolves.toMatchObject({})
    expect((await describeOne(id)).ConnectionState).toBe('CONNECTED')
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))
    expect((await describeOne(id)).ConnectionState).toBe('DISCONNECTED')
    proxy.reachable = false
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))
    expect(await describeOne(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'XKS_PROXY_NOT_REACHABLE' })
    // A wrong credential: FAILED too (the proxy refused it).
    const bad = await newStore({
      XksProxyAuthenticationCredential: { AccessKeyId: FAKE_XKS_CRED.accessKeyId, RawSecretAccessKey: 'A'.repeat(44) },
    })
    proxy.reachable = true
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: bad }))
    expect(await describeOne(bad)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'XKS_PROXY_INVALID_CONFIGURATION' })
  })

  it('unknown ids are CustomKeyStoreNotFoundException; filters, paging and markers', async () => {
    for (const call of [
      new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: 'xks-000000000000000000000000' }),
      new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: 'cks-1234567890abcdef0' }),
      new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: 'xks-000000000000000000000000' }),
      new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: 'xks-000000000000000000000000' }),
      new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'no-such-store' }),
      new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: 'xks-000000000000000000000000', NewCustomKeyStoreName: 'x' }),
    ])
      expect(await failure(kms.send(call as never))).toMatchObject({ name: 'CustomKeyStoreNotFoundException', status: 400 })
    const a = await newStore({ CustomKeyStoreName: 'page-a' })
    expect(
      (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'page-a' }))).CustomKeyStores!.map(
        (s) => s.CustomKeyStoreId,
      ),
    ).toEqual([a])
    const all = (await kms.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores!.map((s) => s.CustomKeyStoreId!)
    expect(all.length).toBe(repo.stores.size)
    expect(all).toContain(a)
    const seen: string[] = []
    let marker: string | undefined
    do {
      const page = await kms.send(new DescribeCustomKeyStoresCommand({ Limit: 2, ...(marker ? { Marker: marker } : {}) }))
      expect(page.CustomKeyStores!.length).toBeLessThanOrEqual(2)
      seen.push(...page.CustomKeyStores!.map((s) => s.CustomKeyStoreId!))
      marker = page.Truncated ? page.NextMarker : undefined
    } while (marker)
    expect(seen).toEqual(all)
    expect(await failure(kms.send(new DescribeCustomKeyStoresCommand({ Marker: 'not-a-marker' })))).toMatchObject({
      name: 'InvalidMarkerException',
    })
    expect(await failure(kms.send(new DescribeCustomKeyStoresCommand({ Limit: 0 })))).toMatchObject({ name: 'ValidationException' })
    expect(
      await failure(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: a, CustomKeyStoreName: 'page-a' }))),
    ).toMatchObject({
      name: 'ValidationException',
    })
  })
})

describe('external keys through CreateKey', () => {
  it('CreateKey(EXTERNAL_KEY_STORE) → KeyMetadata with CustomKeyStoreId and XksKeyConfiguration; Encrypt/Decrypt', async () => {
    const id = await newStore()
    proxy.addKey('ekm-1')
    const create = (over: Record<string, unknown> = {}) =>
      kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'ekm-1', ...over } as never))
    expect(await failure(create())).toMatchObject({ name: 'CustomKeyStoreInvalidStateException', status: 400 })
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))
    const created = (await create({ Description: 'held outside' })).KeyMetadata!
    expect(created).toMatchObject({
      Origin: 'EXTERNAL_KEY_STORE',
      CustomKeyStoreId: id,
      XksKeyConfiguration: { Id: 'ekm-1' },
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyManager: 'CUSTOMER',
      Description: 'held outside',
      Enabled: true,
    })
    const described = (await kms.send(new DescribeKeyCommand({ KeyId: created.Arn }))).KeyMetadata!
    expect(described).toMatchObject({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyConfiguration: { Id: 'ekm-1' } })
    const calls = proxy.calls
    const enc = await kms.send(
      new EncryptCommand({ KeyId: created.KeyId, Plaintext: new TextEncoder().encode('hyok'), EncryptionContext: { a: '1' } }),
    )
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: '1' } }))
    expect(new TextDecoder().decode(dec.Plaintext)).toBe('hyok')
    expect(dec.KeyId).toBe(created.Arn)
    expect(proxy.calls - calls).toBe(2)
    // The store disconnected: crypto with its keys is refused (as AWS: KMSInvalidStateException).
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))
    expect(
      await failure(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: '1' } }))),
    ).toMatchObject({
      name: 'KMSInvalidStateException',
    })
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))
    expect(await failure(create())).toMatchObject({ name: 'XksKeyAlreadyInUseException', status: 400 })
  })

  it('answers AWS exception names for bad external-key requests', async () => {
    const id = await newStore()
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))
    proxy.addKey('off', { enabled: false })
    proxy.addKey('ok')
    const keysBefore = (await fake.keys.listByAccount(fake.root.accountId, REGION)).length
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id }, 'ValidationException'],
      [{ Origin: 'EXTERNAL_KEY_STORE', XksKeyId: 'ok' }, 'ValidationException'],
      [
        { Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: 'xks-000000000000000000000000', XksKeyId: 'ok' },
        'CustomKeyStoreNotFoundException',
      ],
      [{ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'missing' }, 'XksKeyNotFoundException'],
      [{ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'off' }, 'XksKeyInvalidConfigurationException'],
      [{ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'bad id!' }, 'ValidationException'],
      [{ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'ok', KeySpec: 'RSA_2048' }, 'UnsupportedOperationException'],
      [{ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'ok', KeyUsage: 'SIGN_VERIFY' }, 'ValidationException'],
      [{ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'ok', Policy: '{}' }, 'UnsupportedOperationException'],
      [
        { Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'ok', Tags: [{ TagKey: 'a', TagValue: 'b' }] },
        'UnsupportedOperationException',
      ],
      [{ CustomKeyStoreId: id }, 'ValidationException'],
      [{ XksKeyId: 'ok' }, 'ValidationException'],
      [{ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: id }, 'UnsupportedOperationException'],
    ]
    for (const [body, name] of cases) {
      const f = await failure(kms.send(new CreateKeyCommand(body as never)))
      expect({ body, name: f.name, status: f.status }).toEqual({ body, name, status: 400 })
    }
    expect((await fake.keys.listByAccount(fake.root.accountId, REGION)).length).toBe(keysBefore)
    // The proxy refusing the credential.
    deps.xks = new FakeXks(FAKE_XKS_CRED.accessKeyId, 'B'.repeat(44)).asClient()
    expect(
      await failure(kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'ok' } as never))),
    ).toMatchObject({
      name: 'XksProxyIncorrectAuthenticationCredentialException',
    })
  })
})

describe('UpdateCustomKeyStore / DeleteCustomKeyStore', () => {
  it('endpoint changes need a disconnected store; delete needs no keys; then the store is gone', async () => {
    const id = await newStore()
    proxy.addKey('del-1')
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))
    const key = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', CustomKeyStoreId: id, XksKeyId: 'del-1' } as never)))
      .KeyMetadata!
    for (const call of [
      new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, XksProxyUriEndpoint: 'https://other.example.com' }),
      new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }),
    ])
      expect(await failure(kms.send(call as never))).toMatchObject({ name: 'CustomKeyStoreInvalidStateException', status: 400 })
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'renamed-connected' }))
    expect((await describeOne(id)).CustomKeyStoreName).toBe('renamed-connected')
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }))
    await kms.send(
      new UpdateCustomKeyStoreCommand({
        CustomKeyStoreId: id,
        XksProxyUriEndpoint: 'https://other.example.com',
        XksProxyUriPath: '/kms/xks/v1',
        XksProxyAuthenticationCredential: { AccessKeyId: 'ZYXWVUTSRQPONMLKJIHGFEDC', RawSecretAccessKey: 'C'.repeat(44) },
      }),
    )
    expect(lastBody).not.toContain('C'.repeat(44))
    expect((await describeOne(id)).XksProxyConfiguration).toEqual({
      Connectivity: 'PUBLIC_ENDPOINT',
      AccessKeyId: 'ZYXWVUTSRQPONMLKJIHGFEDC',
      UriEndpoint: 'https://other.example.com',
      UriPath: '/kms/xks/v1',
    })
    for (const [call, name] of [
      [new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id }), 'ValidationException'],
      [
        new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' }),
        'UnsupportedOperationException',
      ],
      [new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, KeyStorePassword: 'kspassword' }), 'ValidationException'],
      [new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'first-store' }), 'CustomKeyStoreNameInUseException'],
      [new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }), 'CustomKeyStoreHasCMKsException'],
    ] as const)
      expect(await failure(kms.send(call as never))).toMatchObject({ name, status: 400 })
    // A key pending deletion still counts; a purged one does not.
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }))
    expect(await failure(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toMatchObject({
      name: 'CustomKeyStoreHasCMKsException',
    })
    const k = (await fake.keys.get(key.KeyId!))!
    await fake.keys.replace({ ...k, keyState: 'Deleted', rev: k.rev + 1 }, k.rev)
    await expect(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }))).resolves.toBeDefined()
    expect(repo.stores.has(id)).toBe(false)
    expect(await failure(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })))).toMatchObject({
      name: 'CustomKeyStoreNotFoundException',
    })
  })
})

describe('authorisation', () => {
  it('each operation is kms:<Operation> on the service: a user allowed only to describe cannot create, connect or delete', async () => {
    const reader = await userClient('xks-reader', ['kms:DescribeCustomKeyStores'])
    const id = await newStore()
    const stores = repo.stores.size
    await expect(reader.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).resolves.toMatchObject({
      CustomKeyStores: [{ CustomKeyStoreId: id }],
    })
    for (const call of [
      new CreateCustomKeyStoreCommand(input()),
      new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }),
      new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }),
      new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'by-reader' }),
      new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }),
    ])
      expect(await failure(reader.send(call as never))).toMatchObject({ name: 'AccessDeniedException', status: 403 })
    expect(repo.stores.size).toBe(stores)
    expect(repo.stores.get(id)).toMatchObject({ connectionState: 'Disconnected', keyStoreName: (await describeOne(id)).CustomKeyStoreName })
    const admin = await userClient('xks-admin', ['kms:CreateCustomKeyStore', 'kms:DeleteCustomKeyStore'])
    const mine = (await admin.send(new CreateCustomKeyStoreCommand(input()))).CustomKeyStoreId!
    expect(await failure(admin.send(new DescribeCustomKeyStoresCommand({})))).toMatchObject({ name: 'AccessDeniedException' })
    await admin.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: mine }))
    expect(repo.stores.has(mine)).toBe(false)
  })
})
