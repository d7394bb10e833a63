/**
 * @module core/domain/keys/external/model
 *
 * External keys (XKI / hold-your-own-key) and the external key stores they live in.
 *
 * An **external key store** is a minimal resource of its own (an XKS v1 proxy: URL, URI prefix,
 * SigV4 credential, connection state). The KMS-instances work models an `external` instance
 * type; a store can be absorbed into such an instance as its attribute later (the key store id
 * would then be the instance id), nothing here depends on instances.
 *
 * An **external key** is an ordinary key record (`Origin=EXTERNAL_KEY_STORE`, `Aliyun_AES_256`,
 * one version, no `wrappedMaterial` on the version so every software path refuses it) plus an
 * immutable binding item: its store, the key id inside the EKM, and the KMS-held layer key (a
 * 32-byte software key wrapped under the root key) used for the inner layer of the double
 * encryption (./blob.ts).
 */

export const EXTERNAL_KEY_STORE_ORIGIN = 'EXTERNAL_KEY_STORE'

export type KeyStoreConnectionState = 'Connected' | 'Disconnected' | 'Failed'
/** Why the last connect failed (AWS's XKS connection error codes). */
export type KeyStoreConnectionError =
  'XKS_PROXY_NOT_REACHABLE' | 'XKS_PROXY_INVALID_CONFIGURATION' | 'XKS_PROXY_INVALID_RESPONSE' | 'XKS_PROXY_TIMED_OUT' | 'INTERNAL_ERROR'

export interface ExternalKeyStoreRecord {
  /** `xks-` + 24 hex digits. */
  keyStoreId: string
  accountId: string
  region: string
  keyStoreName: string
  /** `https://host[:port]`, or `http://` to a loopback host. */
  proxyUrl: string
  /** `""` or `/…`; the proxy's API is at `{proxyUrl}{uriPrefix}/kms/xks/v1`. */
  uriPrefix: string
  accessKeyId: string
  /** The SigV4 secret, wrapped under the root key (AAD `xks-secret:<accountId>:<keyStoreId>`). */
  wrappedSecret: string
  connectionState: KeyStoreConnectionState
  connectionErrorCode?: KeyStoreConnectionError
  createdAt: string
  rev: number
}

export interface ExternalKeyBindingRecord {
  keyId: string
  keyStoreId: string
  /** The key's id inside the EKM (`[A-Za-z0-9._-]{1,128}`). */
  externalKeyId: string
  /** The KMS-held layer key, wrapped under the root key (AAD `xks-layer:<keyId>:<versionId>`). */
  wrappedLayerKey: string
}

export const KEY_STORE_ID = /^xks-[0-9a-f]{24}$/
export const EXTERNAL_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/
export const URI_PREFIX = /^(?:\/[A-Za-z0-9/_-]{0,127})?$/
export const XKS_ACCESS_KEY_ID = /^[A-Z2-7]{20,30}$/
export const XKS_SECRET = /^[A-Za-z0-9+/=]{43,64}$/

export function secretAad(accountId: string, keyStoreId: string): string {
  return `xks-secret:${accountId}:${keyStoreId}`
}

export function layerKeyAad(keyId: string, versionId: string): string {
  return `xks-layer:${keyId}:${versionId}`
}

export interface ExternalKeyStoreRepository {
  /** `fresh`: a consistent read (management actions); otherwise a read of at most ~2 s ago. */
  getStore(keyStoreId: string, fresh?: boolean): Promise<ExternalKeyStoreRecord | undefined>
  /** ConditionFailed when the id exists. */
  createStore(store: ExternalKeyStoreRecord): Promise<void>
  /** ConditionFailed unless the stored `rev` equals `expectedRev`. */
  replaceStore(store: ExternalKeyStoreRecord, expectedRev: number): Promise<void>
  getBinding(keyId: string): Promise<ExternalKeyBindingRecord | undefined>
  /** ConditionFailed when a binding exists. */
  createBinding(binding: ExternalKeyBindingRecord): Promise<void>
  /** The account's stores in `region`, oldest first (stores written since the index existed). */
  listStores(accountId: string, region: string): Promise<ExternalKeyStoreRecord[]>
  /** ConditionFailed unless the stored `rev` equals `expectedRev` (a missing store included). */
  deleteStore(keyStoreId: string, expectedRev: number): Promise<void>
  /** The bindings of the store's keys (deleted keys' included: bindings never change). */
  listBindings(keyStoreId: string): Promise<ExternalKeyBindingRecord[]>
}
