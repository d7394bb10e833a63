/**
 * External key store fakes: an in-memory {@link ExternalKeyStoreRepository} with the Dynamo
 * repository's conditions (create absent, replace/delete on `rev`), and an {@link XksClient}
 * stand-in whose EKM is a map of AES-256-GCM keys (node:crypto). The fake proxy checks the
 * credential (`accessKeyId` + secret) like a real one, and answers the XKS errors the real
 * client raises (core/hsm-client/xks.ts): a wrong credential, a missing or disabled key.
 * `reachable = false` makes every call `hsm.unavailable`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { ExternalKeyBindingRecord, ExternalKeyStoreRecord, ExternalKeyStoreRepository } from '../../core/domain/keys/external/model'
import { ConditionFailed } from '../../core/domain/ports'
import { KmsError } from '../../core/errors'
import type { XksCiphertext, XksClient, XksEndpoint } from '../../core/hsm-client/xks'

export class MemoryExternalKeyStores implements ExternalKeyStoreRepository {
  readonly stores = new Map<string, ExternalKeyStoreRecord>()
  readonly bindings = new Map<string, ExternalKeyBindingRecord>()

  async getStore(keyStoreId: string): Promise<ExternalKeyStoreRecord | undefined> {
    const s = this.stores.get(keyStoreId)
    return s && { ...s }
  }
  async createStore(store: ExternalKeyStoreRecord): Promise<void> {
    if (this.stores.has(store.keyStoreId)) throw new ConditionFailed('key store')
    this.stores.set(store.keyStoreId, { ...store })
  }
  async replaceStore(store: ExternalKeyStoreRecord, expectedRev: number): Promise<void> {
    if (this.stores.get(store.keyStoreId)?.rev !== expectedRev) throw new ConditionFailed('key store')
    this.stores.set(store.keyStoreId, { ...store })
  }
  async deleteStore(keyStoreId: string, expectedRev: number): Promise<void> {
    if (this.stores.get(keyStoreId)?.rev !== expectedRev) throw new ConditionFailed('key store')
    this.stores.delete(keyStoreId)
  }
  async listStores(accountId: string, region: string): Promise<ExternalKeyStoreRecord[]> {
    return [...this.stores.values()]
      .filter((s) => s.accountId === accountId && s.region === region)
      .map((s) => ({ ...s }))
      .sort((a, b) => `${a.createdAt}#${a.keyStoreId}`.localeCompare(`${b.createdAt}#${b.keyStoreId}`))
  }
  async getBinding(keyId: string): Promise<ExternalKeyBindingRecord | undefined> {
    return this.bindings.get(keyId)
  }
  async createBinding(binding: ExternalKeyBindingRecord): Promise<void> {
    if (this.bindings.has(binding.keyId)) throw new ConditionFailed('key store')
    this.bindings.set(binding.keyId, { ...binding })
  }
  async listBindings(keyStoreId: string): Promise<ExternalKeyBindingRecord[]> {
    return [...this.bindings.values()].filter((b) => b.keyStoreId === keyStoreId)
  }
}

const credentialRefused = () =>
  new KmsError('key.invalidState', 'The external key store proxy rejected the credential.', {
    cause: { reason: 'proxy error', status: 403, errorName: 'AuthenticationFailedException' },
  })

/** A fake XKS proxy + EKM, shaped as the XksClient methods the core calls. */
export class FakeXks {
  reachable = true
  /** The credential the proxy accepts. */
  constructor(
    readonly accessKeyId: string,
    readonly secretAccessKey: string,
  ) {}
  readonly keys = new Map<string, { key: Buffer; enabled: boolean; spec: string }>()
  calls = 0

  addKey(id: string, options: { enabled?: boolean; spec?: string } = {}): void {
    this.keys.set(id, { key: randomBytes(32), enabled: options.enabled ?? true, spec: options.spec ?? 'AES_256' })
  }

  private check(endpoint: XksEndpoint): void {
    this.calls++
    if (!this.reachable) throw new KmsError('hsm.unavailable', 'The external key store proxy is unavailable. Retry the request.')
    if (endpoint.accessKeyId !== this.accessKeyId || endpoint.secretAccessKey !== this.secretAccessKey) throw credentialRefused()
  }

  private key(id: string, mustBeEnabled = true) {
    const k = this.keys.get(id)
    if (!k) {
      throw new KmsError('key.invalidState', 'The external key is not found in the external key manager.', {
        cause: { reason: 'proxy error', status: 400, errorName: 'KeyNotFoundException' },
      })
    }
    if (mustBeEnabled && !k.enabled) {
      throw new KmsError('key.invalidState', 'The external key is disabled in the external key manager.', {
        cause: { reason: 'proxy error', status: 400, errorName: 'InvalidStateException' },
      })
    }
    return k
  }

  async health(endpoint: XksEndpoint) {
    this.check(endpoint)
    return { healthy: true }
  }

  async metadata(endpoint: XksEndpoint, id: string) {
    this.check(endpoint)
    const k = this.key(id, false)
    return { keySpec: k.spec, keyStatus: k.enabled ? 'ENABLED' : 'DISABLED', keyUsage: ['ENCRYPT', 'DECRYPT'] }
  }

  async encrypt(endpoint: XksEndpoint, id: string, _md: unknown, plaintext: Uint8Array, aad: Uint8Array): Promise<XksCiphertext> {
    this.check(endpoint)
    const k = this.key(id)
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', k.key, iv)
    c.setAAD(aad)
    const ciphertext = Buffer.concat([c.update(plaintext), c.final()])
    return {
      ciphertext: new Uint8Array(ciphertext),
      iv: new Uint8Array(iv),
      tag: new Uint8Array(c.getAuthTag()),
      metadata: new Uint8Array(0),
    }
  }

  async decrypt(endpoint: XksEndpoint, id: string, _md: unknown, ct: XksCiphertext, aad: Uint8Array): Promise<Uint8Array> {
    this.check(endpoint)
    const k = this.key(id)
    const d = createDecipheriv('aes-256-gcm', k.key, ct.iv)
    d.setAAD(aad)
    d.setAuthTag(ct.tag)
    return new Uint8Array(Buffer.concat([d.update(ct.ciphertext), d.final()]))
  }

  /** As the core's `xks` dependency. */
  asClient(): XksClient {
    return this as unknown as XksClient
  }
}

/** A credential the fakes and the core's validation accept. */
export const FAKE_XKS_CRED = {
  accessKeyId: 'ABCDEFGHIJKLMNOPQRSTUVWX',
  secretAccessKey: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==',
}
