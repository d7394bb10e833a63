/**
 * External key stores on fakes (test/fakes/xks.ts: an in-memory repository with the Dynamo
 * conditions and a fake XKS proxy over AES-GCM keys): the name rule, UpdateKeyStore's rules
 * (name/credential any time, endpoint/path only while not Connected, at least one change),
 * DeleteKeyStore's (not Connected, no live key, conditional on rev), CreateKey's XKS errors
 * (not connected, no such EKM key, disabled, wrong credential, XksKeyId in use), and a
 * seal/open round trip after an update of the credential.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { fakeDeps, type FakeDeps } from '../../../../test/fakes/deps'
import { FAKE_XKS_CRED, FakeXks, MemoryExternalKeyStores } from '../../../../test/fakes/xks'
import { KmsError } from '../../../errors'
import type { Caller } from '../../model'
import {
  connectKeyStore,
  createExternalKey,
  createKeyStore,
  deleteKeyStore,
  describeKeyStore,
  disconnectKeyStore,
  listKeyStores,
  MAX_KEY_STORES,
  openExternal,
  sealExternal,
  updateKeyStore,
  type ExternalDeps,
} from './external-keys'

const ENDPOINT = 'https://xks.example.com'
const PATH = '/p1/kms/xks/v1'
const OTHER_SECRET = 'b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI='

let fake: FakeDeps
let repo: MemoryExternalKeyStores
let proxy: FakeXks
let deps: FakeDeps['deps'] & ExternalDeps
let caller: Caller

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof KmsError) return err.code
    throw err
  }
  throw new Error('expected a KmsError')
}

const newStore = (name = 'store-1', over: Partial<Parameters<typeof createKeyStore>[2]> = {}) =>
  createKeyStore(deps, caller, {
    keyStoreName: name,
    proxyUriEndpoint: ENDPOINT,
    proxyUriPath: PATH,
    accessKeyId: FAKE_XKS_CRED.accessKeyId,
    secretAccessKey: FAKE_XKS_CRED.secretAccessKey,
    ...over,
  })

beforeEach(async () => {
  fake = await fakeDeps()
  repo = new MemoryExternalKeyStores()
  proxy = new FakeXks(FAKE_XKS_CRED.accessKeyId, FAKE_XKS_CRED.secretAccessKey)
  deps = Object.assign(Object.create(fake.deps), fake.deps, { externalKeyStores: repo, xks: proxy.asClient() })
  caller = { accountId: fake.root.accountId, principal: 'root', accessKeyId: fake.root.accessKeyId, region: fake.deps.region }
})

describe('createKeyStore / listKeyStores', () => {
  it('refuses a second store with the same name in the account and region, not in another account', async () => {
    await newStore('same')
    expect(await codeOf(newStore('same'))).toBe('keyStore.nameInUse')
    const other = { ...caller, accountId: '1'.repeat(16) }
    await expect(
      createKeyStore(deps, other, {
        keyStoreName: 'same',
        proxyUriEndpoint: ENDPOINT,
        proxyUriPath: PATH,
        accessKeyId: FAKE_XKS_CRED.accessKeyId,
        secretAccessKey: FAKE_XKS_CRED.secretAccessKey,
      }),
    ).resolves.toMatchObject({ keyStoreName: 'same', accountId: other.accountId })
    expect((await listKeyStores(deps, caller)).map((s) => s.keyStoreName)).toEqual(['same'])
  })

  it(`allows at most ${MAX_KEY_STORES} stores per account and region`, async () => {
    for (let i = 0; i < MAX_KEY_STORES; i++) await newStore(`s${i}`)
    expect(await codeOf(newStore('one-more'))).toBe('limit.exceeded')
    expect(repo.stores.size).toBe(MAX_KEY_STORES)
  })
})

describe('updateKeyStore', () => {
  it('renames and changes the credential while Connected; endpoint and path only while not Connected', async () => {
    const s = await newStore()
    await connectKeyStore(deps, caller, s.keyStoreId)
    const renamed = await updateKeyStore(deps, caller, s.keyStoreId, { keyStoreName: 'renamed' })
    expect(renamed).toMatchObject({ keyStoreName: 'renamed', connectionState: 'Connected', rev: s.rev + 2 })
    expect(await codeOf(updateKeyStore(deps, caller, s.keyStoreId, { proxyUriEndpoint: 'https://other.example.com' }))).toBe(
      'keyStore.invalidState',
    )
    expect(await codeOf(updateKeyStore(deps, caller, s.keyStoreId, { proxyUriPath: '/p2/kms/xks/v1' }))).toBe('keyStore.invalidState')
    await disconnectKeyStore(deps, caller, s.keyStoreId)
    const moved = await updateKeyStore(deps, caller, s.keyStoreId, {
      proxyUriEndpoint: 'https://other.example.com:8443',
      proxyUriPath: '/kms/xks/v1',
    })
    expect(moved).toMatchObject({ proxyUrl: 'https://other.example.com:8443', uriPrefix: '', keyStoreName: 'renamed' })
    expect(await describeKeyStore(deps, caller, s.keyStoreId)).toEqual(moved)
  })

  it('refuses no change, a taken name, half a credential and bad values; a missing store is keyStore.notFound', async () => {
    const a = await newStore('a')
    await newStore('b')
    expect(await codeOf(updateKeyStore(deps, caller, a.keyStoreId, {}))).toBe('validation.missingParameter')
    expect(await codeOf(updateKeyStore(deps, caller, a.keyStoreId, { keyStoreName: 'b' }))).toBe('keyStore.nameInUse')
    expect(await codeOf(updateKeyStore(deps, caller, a.keyStoreId, { accessKeyId: FAKE_XKS_CRED.accessKeyId }))).toBe(
      'validation.invalidParameter',
    )
    expect(await codeOf(updateKeyStore(deps, caller, a.keyStoreId, { proxyUriEndpoint: 'http://example.com' }))).toBe(
      'validation.invalidParameter',
    )
    expect(await codeOf(updateKeyStore(deps, caller, a.keyStoreId, { proxyUriPath: '/no/suffix' }))).toBe('validation.invalidParameter')
    expect(await codeOf(updateKeyStore(deps, caller, 'xks-000000000000000000000000', { keyStoreName: 'c' }))).toBe('keyStore.notFound')
    // Its own name again is no conflict.
    await expect(updateKeyStore(deps, caller, a.keyStoreId, { keyStoreName: 'a' })).resolves.toMatchObject({ keyStoreName: 'a' })
    expect(repo.stores.get(a.keyStoreId)?.keyStoreName).toBe('a')
  })

  it('a lost race on rev is concurrency.conflict and writes nothing', async () => {
    const s = await newStore()
    const real = repo.replaceStore.bind(repo)
    repo.replaceStore = async (store, rev) => {
      // Another writer got there first.
      const current = repo.stores.get(store.keyStoreId)!
      repo.stores.set(store.keyStoreId, { ...current, rev: current.rev + 1 })
      return real(store, rev)
    }
    expect(await codeOf(updateKeyStore(deps, caller, s.keyStoreId, { keyStoreName: 'x' }))).toBe('concurrency.conflict')
    expect(repo.stores.get(s.keyStoreId)?.keyStoreName).toBe('store-1')
  })

  it('a new credential is the one the next call signs with', async () => {
    const s = await newStore()
    proxy.addKey('k1')
    await connectKeyStore(deps, caller, s.keyStoreId)
    const key = await createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'k1' })
    const sealed = await sealExternal(deps, caller, key, new TextEncoder().encode('hello'), { a: 'b' }, 'Encrypt')
    // The proxy now only accepts the new credential: the old one fails, the updated store works.
    const moved = new FakeXks(FAKE_XKS_CRED.accessKeyId, OTHER_SECRET)
    moved.keys.set('k1', proxy.keys.get('k1')!)
    deps.xks = moved.asClient()
    await updateKeyStore(deps, caller, s.keyStoreId, { accessKeyId: FAKE_XKS_CRED.accessKeyId, secretAccessKey: OTHER_SECRET })
    const opened = await openExternal(deps, caller, sealed.blob, { a: 'b' }, 'Decrypt')
    expect(new TextDecoder().decode(opened.plaintext)).toBe('hello')
  })
})

describe('deleteKeyStore', () => {
  it('only while not Connected, only without live keys; a purged key does not count; a repeat is notFound', async () => {
    const s = await newStore()
    proxy.addKey('k1')
    await connectKeyStore(deps, caller, s.keyStoreId)
    const key = await createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'k1' })
    expect(await codeOf(deleteKeyStore(deps, caller, s.keyStoreId))).toBe('keyStore.invalidState')
    await disconnectKeyStore(deps, caller, s.keyStoreId)
    expect(await codeOf(deleteKeyStore(deps, caller, s.keyStoreId))).toBe('keyStore.hasKeys')
    // Pending deletion still counts (as in AWS).
    const k = (await fake.keys.get(key.keyId))!
    await fake.keys.replace({ ...k, keyState: 'PendingDeletion', rev: k.rev + 1 }, k.rev)
    expect(await codeOf(deleteKeyStore(deps, caller, s.keyStoreId))).toBe('keyStore.hasKeys')
    const p = (await fake.keys.get(key.keyId))!
    await fake.keys.replace({ ...p, keyState: 'Deleted', rev: p.rev + 1 }, p.rev)
    await deleteKeyStore(deps, caller, s.keyStoreId)
    expect(repo.stores.has(s.keyStoreId)).toBe(false)
    expect(await codeOf(deleteKeyStore(deps, caller, s.keyStoreId))).toBe('keyStore.notFound')
    expect(await codeOf(describeKeyStore(deps, caller, s.keyStoreId))).toBe('keyStore.notFound')
  })

  it("counts a key whose binding predates the binding index (found through the account's external keys)", async () => {
    const s = await newStore()
    proxy.addKey('k1')
    await connectKeyStore(deps, caller, s.keyStoreId)
    await createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'k1' })
    await disconnectKeyStore(deps, caller, s.keyStoreId)
    // A binding written before gsi1 existed is not listed by the index.
    repo.listBindings = async () => []
    expect(await codeOf(deleteKeyStore(deps, caller, s.keyStoreId))).toBe('keyStore.hasKeys')
    expect(repo.stores.has(s.keyStoreId)).toBe(true)
  })

  it("a Failed store can be deleted; another account's store is notFound", async () => {
    const s = await newStore()
    proxy.reachable = false
    await expect(connectKeyStore(deps, caller, s.keyStoreId)).rejects.toMatchObject({ code: 'hsm.unavailable' })
    expect(repo.stores.get(s.keyStoreId)).toMatchObject({ connectionState: 'Failed', connectionErrorCode: 'XKS_PROXY_NOT_REACHABLE' })
    expect(await codeOf(deleteKeyStore(deps, { ...caller, accountId: '2'.repeat(16) }, s.keyStoreId))).toBe('keyStore.notFound')
    await deleteKeyStore(deps, caller, s.keyStoreId)
    expect(repo.stores.size).toBe(0)
  })
})

describe('createExternalKey errors', () => {
  it('maps the store state and the proxy refusals to their own codes', async () => {
    const s = await newStore()
    proxy.addKey('ok')
    proxy.addKey('off', { enabled: false })
    proxy.addKey('des', { spec: 'DES' })
    expect(await codeOf(createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'ok' }))).toBe('keyStore.invalidState')
    expect(await codeOf(createExternalKey(deps, caller, { keyStoreId: 'xks-000000000000000000000000', externalKeyId: 'ok' }))).toBe(
      'keyStore.notFound',
    )
    await connectKeyStore(deps, caller, s.keyStoreId)
    expect(await codeOf(createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'missing' }))).toBe('xksKey.notFound')
    expect(await codeOf(createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'off' }))).toBe(
      'xksKey.invalidConfiguration',
    )
    expect(await codeOf(createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'des' }))).toBe(
      'xksKey.invalidConfiguration',
    )
    await createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'ok' })
    expect(await codeOf(createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'ok' }))).toBe('xksKey.alreadyInUse')
    expect(repo.bindings.size).toBe(1)
    // The store now holds a credential the proxy refuses.
    deps.xks = new FakeXks(FAKE_XKS_CRED.accessKeyId, OTHER_SECRET).asClient()
    expect(await codeOf(createExternalKey(deps, caller, { keyStoreId: s.keyStoreId, externalKeyId: 'ok2' }))).toBe(
      'keyStore.incorrectCredential',
    )
  })
})
