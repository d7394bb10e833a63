/**
 * @module core/domain/keys/external/external-keys
 *
 * External key stores (create / describe / list / connect / disconnect / update / delete) and
 * external keys (create, seal, open). The Alibaba dialect's CreateExternalKeyStore & co. and the
 * AWS dialect's CreateCustomKeyStore & co. (functions/aws/kms/custom-key-stores.ts) run the same
 * functions. A crypto call succeeds only when all three hold:
 *
 * 1. the KMS key is `Enabled` (the key-state table, as for every key);
 * 2. its store is `Connected` (ConnectExternalKeyStore succeeded and no Disconnect since) —
 *    else `key.invalidState` "The external key store is not connected." (a crypto call may use
 *    a store read of up to 2 s ago in its isolate, so a Disconnect applies everywhere within 2 s);
 * 3. the key is `ENABLED` in the EKM — the proxy refuses a disabled key (InvalidStateException)
 *    and a missing one (KeyNotFoundException), both `key.invalidState` (core/hsm-client/xks.ts).
 *
 * The proxy being unreachable, slow past the deadline or failing is `hsm.unavailable` (503),
 * never an invalid ciphertext. Rotation, import, key versions and backup are refused by the
 * existing origin checks (`Origin` is not `Aliyun_KMS` / not `EXTERNAL`): `Unsupported.Origin`.
 */
import { toHex, zeroize } from '../../../crypto/bytes'
import { unwrapUnderRoot, wrapUnderRoot } from '../../../crypto/root-key'
import { SecretCache } from '../../../crypto/secret-cache'
import { invalidCiphertext, invalidParameter, KmsError } from '../../../errors'
import type { XksClient, XksEndpoint, XksRequestMetadata } from '../../../hsm-client/xks'
import type { Caller, KeyRecord } from '../../model'
import { ConditionFailed, type KeyDeps } from '../../ports'
import { assertKeyState, isoSeconds } from '../common'
import type { KeyOperation } from '../key-state-table'
import { uuidV4 } from '../material'
import { isLoopbackName } from '../../loopback'
import { openXksBlob, parseXksBlob, sealXksBlob, SUITE_EXTERNAL_XKS, type XksLayer } from './blob'
import {
  EXTERNAL_KEY_ID,
  EXTERNAL_KEY_STORE_ORIGIN,
  KEY_STORE_ID,
  layerKeyAad,
  secretAad,
  URI_PREFIX,
  XKS_ACCESS_KEY_ID,
  XKS_SECRET,
  type ExternalKeyBindingRecord,
  type ExternalKeyStoreRecord,
  type ExternalKeyStoreRepository,
  type KeyStoreConnectionError,
} from './model'

/** What external keys need beyond the key ports (both absent: external keys are refused). */
export interface ExternalDeps {
  externalKeyStores?: ExternalKeyStoreRepository
  /** The hsm-bridge's XKS client (needs HSM_BRIDGE_URL). */
  xks?: XksClient
}

type Deps = KeyDeps & ExternalDeps

const NOT_CONFIGURED = 'External keys are not available: no HSM bridge is configured to reach external key store proxies.'

function requireExternal(deps: ExternalDeps): { stores: ExternalKeyStoreRepository; xks: XksClient } {
  if (!deps.externalKeyStores || !deps.xks) throw new KmsError('key.unsupportedOrigin', NOT_CONFIGURED)
  return { stores: deps.externalKeyStores, xks: deps.xks }
}

/** Whether a key is an external (XKS) key. */
export function isExternalKey(key: Pick<KeyRecord, 'origin'>): boolean {
  return (key.origin as string) === EXTERNAL_KEY_STORE_ORIGIN
}

/** Whether a blob is a suite-0x05 (external key) blob; decided on byte 1 only. */
export function isExternalBlob(blob: Uint8Array): boolean {
  return blob.length > 2 && blob[1] === SUITE_EXTERNAL_XKS
}

function storeNotFound(): KmsError {
  return new KmsError('keyStore.notFound', 'The specified external key store is not found.', {
    details: { parameter: 'KeyStoreId' },
  })
}

function notConnected(): KmsError {
  return new KmsError('keyStore.invalidState', 'The external key store is not connected.')
}

/** At most this many stores per account and region (AWS's default quota is 10). */
export const MAX_KEY_STORES = 50

function principalArn(caller: Caller): string {
  return caller.principalArn ?? `acs:ram::${caller.accountId}:${caller.principal === 'root' ? 'root' : `user/${caller.principal}`}`
}

function requestId(deps: Pick<KeyDeps, 'random'>): string {
  return uuidV4(deps.random)
}

async function ownStore(deps: Deps, caller: Caller, keyStoreId: string): Promise<ExternalKeyStoreRecord> {
  const { stores } = requireExternal(deps)
  if (!KEY_STORE_ID.test(keyStoreId)) throw storeNotFound()
  const store = await stores.getStore(keyStoreId, true)
  if (!store || store.accountId !== caller.accountId || store.region !== caller.region) throw storeNotFound()
  return store
}

/**
 * Unwrapped store secrets and layer keys, as the software keys' material cache: an entry lives
 * at most 60 s, is zeroised when it expires or is pushed out, and is found only through the
 * wrapped value a current record still carries.
 */
const unwrapped = new SecretCache(60_000, 1_000)

async function unwrapCached(deps: Pick<KeyDeps, 'rootKeys'>, wrapped: string, aad: string): Promise<Uint8Array> {
  const id = `${aad}:${wrapped}`
  const now = Date.now()
  const hit = unwrapped.get(id, now)
  if (hit) return hit
  const value = await unwrapUnderRoot(deps.rootKeys, wrapped, aad)
  unwrapped.set(id, value, now)
  return value
}

async function endpointOf(deps: Pick<KeyDeps, 'rootKeys'>, store: ExternalKeyStoreRecord): Promise<XksEndpoint> {
  const secret = await unwrapCached(deps, store.wrappedSecret, secretAad(store.accountId, store.keyStoreId))
  try {
    return {
      proxyUrl: store.proxyUrl,
      uriPrefix: store.uriPrefix,
      accessKeyId: store.accessKeyId,
      secretAccessKey: new TextDecoder().decode(secret),
      region: store.region,
    }
  } finally {
    zeroize(secret)
  }
}

/** The store as the API describes it (never the secret). */
export function describeStore(store: ExternalKeyStoreRecord): Record<string, unknown> {
  return {
    KeyStoreId: store.keyStoreId,
    KeyStoreName: store.keyStoreName,
    KeyStoreType: 'EXTERNAL_KEY_STORE',
    XksProxyUriEndpoint: store.proxyUrl,
    XksProxyUriPath: `${store.uriPrefix}/kms/xks/v1`,
    XksProxyAccessKeyId: store.accessKeyId,
    ConnectionState: store.connectionState,
    ...(store.connectionErrorCode ? { ConnectionErrorCode: store.connectionErrorCode } : {}),
    CreationDate: store.createdAt,
  }
}

export interface CreateKeyStoreInput {
  keyStoreName: string
  proxyUriEndpoint: string
  /** `{prefix}/kms/xks/v1`, as AWS's XksProxyUriPath. */
  proxyUriPath: string
  accessKeyId: string
  secretAccessKey: string
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_./-]{1,128}$/.test(name)) throw invalidParameter('KeyStoreName', 'must be 1-128 of [A-Za-z0-9_./-].')
}

/** `https://host[:port]` (http:// only on loopback) → its origin. */
function checkEndpoint(endpoint: string): string {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw invalidParameter('XksProxyUriEndpoint', 'must be an https:// origin.')
  }
  const httpOk = url.protocol === 'http:' && isLoopbackName(url.hostname)
  if (
    (url.protocol !== 'https:' && !httpOk) ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    endpoint.length > 256
  ) {
    throw invalidParameter('XksProxyUriEndpoint', 'must be an https:// origin (http:// only on loopback).')
  }
  return url.origin
}

/** `[/prefix]/kms/xks/v1` → the prefix. */
function checkPath(path: string): string {
  const prefix = path.slice(0, -'/kms/xks/v1'.length)
  if (!path.endsWith('/kms/xks/v1') || !URI_PREFIX.test(prefix) || prefix.endsWith('/')) {
    throw invalidParameter('XksProxyUriPath', 'must be [/<prefix>]/kms/xks/v1.')
  }
  return prefix
}

function checkCredential(accessKeyId: string, secretAccessKey: string): void {
  if (!XKS_ACCESS_KEY_ID.test(accessKeyId)) throw invalidParameter('XksProxyAccessKeyId', 'must be 20-30 of [A-Z2-7].')
  if (!XKS_SECRET.test(secretAccessKey)) throw invalidParameter('XksProxyRawSecretAccessKey', 'must be 43-64 of [A-Za-z0-9+/=].')
}

/** Refuses `name` when another store of the account and region has it. */
async function checkNameFree(stores: ExternalKeyStoreRepository, caller: Caller, name: string, except?: string): Promise<void> {
  const all = await stores.listStores(caller.accountId, caller.region)
  if (all.some((s) => s.keyStoreName === name && s.keyStoreId !== except)) {
    throw new KmsError('keyStore.nameInUse', 'Another external key store of this account and region has this name.')
  }
}

/**
 * CreateExternalKeyStore / CreateCustomKeyStore: validates and stores a Disconnected store; the
 * secret is wrapped under the root key at once. The name must be unique in the account and
 * region (checked on a listing before the write: two concurrent creates with one name may both
 * succeed); at most {@link MAX_KEY_STORES} stores per account and region. Several stores may name
 * the same proxy (no XksProxyUriInUse check). The proxy is not called: Connect tests it.
 *
 * @throws {KmsError} validation.invalidParameter, keyStore.nameInUse, limit.exceeded,
 *   key.unsupportedOrigin (not configured).
 */
export async function createKeyStore(deps: Deps, caller: Caller, input: CreateKeyStoreInput): Promise<ExternalKeyStoreRecord> {
  const { stores } = requireExternal(deps)
  checkName(input.keyStoreName)
  const proxyUrl = checkEndpoint(input.proxyUriEndpoint)
  const uriPrefix = checkPath(input.proxyUriPath)
  checkCredential(input.accessKeyId, input.secretAccessKey)
  const existing = await stores.listStores(caller.accountId, caller.region)
  if (existing.length >= MAX_KEY_STORES) {
    throw new KmsError('limit.exceeded', `An account has at most ${MAX_KEY_STORES} external key stores per region.`)
  }
  if (existing.some((s) => s.keyStoreName === input.keyStoreName)) {
    throw new KmsError('keyStore.nameInUse', 'Another external key store of this account and region has this name.')
  }
  const keyStoreId = `xks-${toHex(deps.random(12))}`
  const store: ExternalKeyStoreRecord = {
    keyStoreId,
    accountId: caller.accountId,
    region: caller.region,
    keyStoreName: input.keyStoreName,
    proxyUrl,
    uriPrefix,
    accessKeyId: input.accessKeyId,
    wrappedSecret: await wrapSecret(deps, caller.accountId, keyStoreId, input.secretAccessKey),
    connectionState: 'Disconnected',
    createdAt: isoSeconds(deps.clock.now()),
    rev: 1,
  }
  await stores.createStore(store)
  return store
}

function wrapSecret(deps: Pick<KeyDeps, 'rootKeys' | 'random'>, accountId: string, keyStoreId: string, secret: string): Promise<string> {
  return wrapUnderRoot(deps.rootKeys, new TextEncoder().encode(secret), secretAad(accountId, keyStoreId), deps.random)
}

/** The account's stores in the caller's region, oldest first (DescribeCustomKeyStores). @throws {KmsError} */
export async function listKeyStores(deps: Deps, caller: Caller): Promise<ExternalKeyStoreRecord[]> {
  const { stores } = requireExternal(deps)
  const all = await stores.listStores(caller.accountId, caller.region)
  return all
    .filter((s) => s.accountId === caller.accountId && s.region === caller.region)
    .sort((a, b) => (a.createdAt === b.createdAt ? a.keyStoreId.localeCompare(b.keyStoreId) : a.createdAt.localeCompare(b.createdAt)))
}

export interface UpdateKeyStoreInput {
  keyStoreName?: string
  proxyUriEndpoint?: string
  proxyUriPath?: string
  /** Both or neither. */
  accessKeyId?: string
  secretAccessKey?: string
}

/**
 * UpdateCustomKeyStore (AWS's rules): a new name or credential at any time; a new endpoint or
 * path only while the store is not Connected (Disconnected or Failed) — else
 * keyStore.invalidState. At least one change; the credential is both AccessKeyId and secret. The
 * new name must be free. One write on `rev`; the proxy is not called (the next Connect, or the
 * next crypto call for a new credential, uses the new values; other isolates within 2 s).
 *
 * @throws {KmsError} keyStore.notFound, keyStore.invalidState, keyStore.nameInUse,
 *   validation.*, concurrency.conflict.
 */
export async function updateKeyStore(
  deps: Deps,
  caller: Caller,
  keyStoreId: string,
  input: UpdateKeyStoreInput,
): Promise<ExternalKeyStoreRecord> {
  const { stores } = requireExternal(deps)
  if (input.keyStoreName !== undefined) checkName(input.keyStoreName)
  const proxyUrl = input.proxyUriEndpoint === undefined ? undefined : checkEndpoint(input.proxyUriEndpoint)
  const uriPrefix = input.proxyUriPath === undefined ? undefined : checkPath(input.proxyUriPath)
  if ((input.accessKeyId === undefined) !== (input.secretAccessKey === undefined)) {
    throw invalidParameter('XksProxyAuthenticationCredential', 'needs both AccessKeyId and RawSecretAccessKey.')
  }
  if (input.accessKeyId !== undefined) checkCredential(input.accessKeyId, input.secretAccessKey!)
  if (input.keyStoreName === undefined && proxyUrl === undefined && uriPrefix === undefined && input.accessKeyId === undefined) {
    throw new KmsError('validation.missingParameter', 'UpdateCustomKeyStore needs at least one property to change.')
  }
  const store = await ownStore(deps, caller, keyStoreId)
  if ((proxyUrl !== undefined || uriPrefix !== undefined) && store.connectionState === 'Connected') {
    throw new KmsError('keyStore.invalidState', 'Disconnect the external key store before changing its proxy endpoint or path.')
  }
  if (input.keyStoreName !== undefined && input.keyStoreName !== store.keyStoreName) {
    await checkNameFree(stores, caller, input.keyStoreName, store.keyStoreId)
  }
  const next: ExternalKeyStoreRecord = {
    ...store,
    ...(input.keyStoreName !== undefined ? { keyStoreName: input.keyStoreName } : {}),
    ...(proxyUrl !== undefined ? { proxyUrl } : {}),
    ...(uriPrefix !== undefined ? { uriPrefix } : {}),
    ...(input.accessKeyId !== undefined
      ? {
          accessKeyId: input.accessKeyId,
          wrappedSecret: await wrapSecret(deps, store.accountId, store.keyStoreId, input.secretAccessKey!),
        }
      : {}),
    rev: store.rev + 1,
  }
  try {
    await stores.replaceStore(next, store.rev)
  } catch (err) {
    if (err instanceof ConditionFailed) throw conflict()
    throw err
  }
  return next
}

/**
 * DeleteCustomKeyStore: only a store that is not Connected (Disconnected or Failed) and has no
 * key in any state but purged (a key scheduled for deletion still counts, as in AWS) — else
 * keyStore.invalidState / keyStore.hasKeys. One conditional delete on `rev`; a repeat answers
 * keyStore.notFound. A key created from a Connected read racing a Disconnect + Delete may be left
 * bound to the deleted store (its crypto then fails: "not found").
 *
 * @throws {KmsError} keyStore.notFound, keyStore.invalidState, keyStore.hasKeys, concurrency.conflict.
 */
export async function deleteKeyStore(deps: Deps, caller: Caller, keyStoreId: string): Promise<void> {
  const { stores } = requireExternal(deps)
  const store = await ownStore(deps, caller, keyStoreId)
  if (store.connectionState === 'Connected') {
    throw new KmsError('keyStore.invalidState', 'Disconnect the external key store before deleting it.')
  }
  if ((await liveBindings(deps, stores, store)).length > 0) {
    throw new KmsError(
      'keyStore.hasKeys',
      'The external key store still has keys: schedule their deletion and wait until they are deleted.',
    )
  }
  try {
    await stores.deleteStore(store.keyStoreId, store.rev)
  } catch (err) {
    if (err instanceof ConditionFailed) throw conflict()
    throw err
  }
}

/**
 * The store's bindings whose key exists and is not purged: through the store's binding index,
 * and — because bindings written before that index existed carry no index attributes, and a
 * binding is never rewritten — also through the account's external keys (DeleteCustomKeyStore is
 * rare; this reads each external key's binding once).
 */
async function liveBindings(
  deps: Deps,
  stores: ExternalKeyStoreRepository,
  store: Pick<ExternalKeyStoreRecord, 'keyStoreId' | 'accountId' | 'region'>,
): Promise<ExternalKeyBindingRecord[]> {
  const indexed = await stores.listBindings(store.keyStoreId)
  const seen = new Set(indexed.map((b) => b.keyId))
  const external = (await deps.keys.listByAccount(store.accountId, store.region)).filter(
    (k) => isExternalKey(k) && k.keyState !== 'Deleted' && !seen.has(k.keyId),
  )
  const unindexed = (await Promise.all(external.map((k) => stores.getBinding(k.keyId)))).filter(
    (b): b is ExternalKeyBindingRecord => b !== undefined && b.keyStoreId === store.keyStoreId,
  )
  const bindings = [...indexed, ...unindexed]
  const keys = await Promise.all(bindings.map((b) => deps.keys.get(b.keyId)))
  return bindings.filter((_b, i) => keys[i] !== undefined && keys[i]!.keyState !== 'Deleted')
}

function conflict(): KmsError {
  return new KmsError('concurrency.conflict', 'The key store was modified concurrently. Retry the request.')
}

/** @throws {KmsError} keyStore.notFound. */
export function describeKeyStore(deps: Deps, caller: Caller, keyStoreId: string): Promise<ExternalKeyStoreRecord> {
  return ownStore(deps, caller, keyStoreId)
}

async function setState(
  deps: Deps,
  store: ExternalKeyStoreRecord,
  state: ExternalKeyStoreRecord['connectionState'],
  error?: KeyStoreConnectionError,
): Promise<ExternalKeyStoreRecord> {
  const { connectionErrorCode: _old, ...rest } = store
  const next: ExternalKeyStoreRecord = {
    ...rest,
    connectionState: state,
    ...(error ? { connectionErrorCode: error } : {}),
    rev: store.rev + 1,
  }
  try {
    await requireExternal(deps).stores.replaceStore(next, store.rev)
  } catch (err) {
    if (err instanceof ConditionFailed) throw conflict()
    throw err
  }
  return next
}

/**
 * ConnectExternalKeyStore: asks the proxy for its health (kmsOperation `ConnectCustomKeyStore`)
 * with the store's credential. Healthy → `Connected`. Otherwise the store becomes `Failed` with a
 * connection error code and the call fails: unreachable/timeout → hsm.unavailable (503),
 * credential refused or not an XKS proxy → key.invalidState (409).
 *
 * @throws {KmsError}
 */
export async function connectKeyStore(deps: Deps, caller: Caller, keyStoreId: string): Promise<ExternalKeyStoreRecord> {
  const store = await ownStore(deps, caller, keyStoreId)
  const { xks } = requireExternal(deps)
  let error: KeyStoreConnectionError | undefined
  let failure: unknown
  try {
    const health = await xks.health(await endpointOf(deps, store), { kmsOperation: 'ConnectCustomKeyStore', kmsRequestId: requestId(deps) })
    if (!health.healthy) error = 'XKS_PROXY_INVALID_RESPONSE'
  } catch (err) {
    failure = err
    error = KmsError.match(err, 'hsm.unavailable')
      ? 'XKS_PROXY_NOT_REACHABLE'
      : KmsError.match(err, 'key.invalidState')
        ? 'XKS_PROXY_INVALID_CONFIGURATION'
        : 'XKS_PROXY_INVALID_RESPONSE'
  }
  if (error === undefined) return store.connectionState === 'Connected' ? store : setState(deps, store, 'Connected')
  await setState(deps, store, 'Failed', error).catch(() => undefined)
  if (KmsError.match(failure, 'hsm.unavailable')) throw failure
  throw new KmsError('key.invalidState', `The external key store could not be connected (${error}).`, { cause: failure })
}

/** DisconnectExternalKeyStore: crypto with its keys fails until the next connect. @throws {KmsError} */
export async function disconnectKeyStore(deps: Deps, caller: Caller, keyStoreId: string): Promise<ExternalKeyStoreRecord> {
  const store = await ownStore(deps, caller, keyStoreId)
  return store.connectionState === 'Disconnected' ? store : setState(deps, store, 'Disconnected')
}

export interface CreateExternalKeyInput {
  keyStoreId: string
  externalKeyId: string
  keySpec?: string
  keyUsage?: string
  description?: string
  protectionLevel?: string
  enableAutomaticRotation?: boolean
}

/**
 * CreateKey with `Origin=EXTERNAL_KEY_STORE`: checks the store is Connected and the EKM key is
 * AES_256 with ENCRYPT and DECRYPT and ENABLED (GetKeyMetadata, kmsOperation `CreateKey`), then
 * writes the binding (with a fresh wrapped layer key) and the Enabled key with one version. One
 * XksKeyId binds at most one live key per store.
 *
 * @throws {KmsError} validation.*, key.unsupportedSpec, key.unsupportedOrigin, keyStore.notFound,
 *   keyStore.invalidState (not Connected), keyStore.incorrectCredential, xksKey.notFound,
 *   xksKey.alreadyInUse, xksKey.invalidConfiguration, hsm.unavailable.
 */
export async function createExternalKey(deps: Deps, caller: Caller, input: CreateExternalKeyInput): Promise<KeyRecord> {
  const { stores, xks } = requireExternal(deps)
  if ((input.keySpec ?? 'Aliyun_AES_256') !== 'Aliyun_AES_256') {
    throw new KmsError('key.unsupportedSpec', 'External keys must be Aliyun_AES_256.')
  }
  if ((input.keyUsage ?? 'ENCRYPT/DECRYPT') !== 'ENCRYPT/DECRYPT')
    throw invalidParameter('KeyUsage', 'must be ENCRYPT/DECRYPT for an external key.')
  if (input.protectionLevel !== undefined && input.protectionLevel !== 'SOFTWARE') {
    throw new KmsError('key.unsupportedProtectionLevel', 'External keys have no ProtectionLevel.')
  }
  if (input.enableAutomaticRotation) throw new KmsError('key.unsupportedOrigin', 'External keys cannot rotate.')
  if (!EXTERNAL_KEY_ID.test(input.externalKeyId)) throw invalidParameter('XksKeyId', 'must be 1-128 of [A-Za-z0-9._-].')
  const description = input.description ?? ''
  if (description.length > 8192) throw invalidParameter('Description', 'is too long.')
  const store = await ownStore(deps, caller, input.keyStoreId)
  if (store.connectionState !== 'Connected') throw notConnected()
  if ((await liveBindings(deps, stores, store)).some((b) => b.externalKeyId === input.externalKeyId)) {
    throw new KmsError('xksKey.alreadyInUse', 'Another key of this external key store is bound to this XksKeyId.')
  }
  const keyId = uuidV4(deps.random)
  const versionId = uuidV4(deps.random)
  let md: Awaited<ReturnType<XksClient['metadata']>>
  try {
    md = await xks.metadata(await endpointOf(deps, store), input.externalKeyId, {
      awsPrincipalArn: principalArn(caller),
      kmsOperation: 'CreateKey',
      kmsRequestId: requestId(deps),
    })
  } catch (err) {
    throw metadataFailure(err)
  }
  if (md.keySpec !== 'AES_256' || !md.keyUsage.includes('ENCRYPT') || !md.keyUsage.includes('DECRYPT')) {
    throw new KmsError('xksKey.invalidConfiguration', 'The external key is not an AES_256 key usable to encrypt and decrypt.')
  }
  if (md.keyStatus !== 'ENABLED') {
    throw new KmsError('xksKey.invalidConfiguration', 'The external key is disabled in the external key manager.')
  }
  const layer = deps.random(32)
  let wrappedLayerKey: string
  try {
    wrappedLayerKey = await wrapUnderRoot(deps.rootKeys, layer, layerKeyAad(keyId, versionId), deps.random)
  } finally {
    zeroize(layer)
  }
  await stores.createBinding({ keyId, keyStoreId: store.keyStoreId, externalKeyId: input.externalKeyId, wrappedLayerKey })
  const now = deps.clock.now()
  const key: KeyRecord = {
    keyId,
    accountId: caller.accountId,
    region: caller.region,
    instanceId: 'shared',
    keySpec: 'Aliyun_AES_256',
    keyUsage: 'ENCRYPT/DECRYPT',
    origin: EXTERNAL_KEY_STORE_ORIGIN as KeyRecord['origin'],
    protectionLevel: 'SOFTWARE',
    creatorType: 'User',
    keyState: 'Enabled',
    description,
    creator: caller.accountId,
    createdAt: isoSeconds(now),
    deletionProtection: false,
    primaryVersionId: versionId,
    // No wrappedMaterial: every software path refuses this version.
    versions: [{ versionId, createdAt: isoSeconds(now) }],
    automaticRotation: false,
    lastRotationDate: isoSeconds(now),
    tags: {},
    rev: 1,
  }
  await deps.keys.create(key)
  return key
}

/**
 * The proxy's refusal of GetKeyMetadata (core/hsm-client/xks.ts: `key.invalidState` with the
 * proxy's error name in `cause`) as CreateKey's codes: no such key → xksKey.notFound, disabled →
 * xksKey.invalidConfiguration, credential refused → keyStore.incorrectCredential; anything
 * else (hsm.unavailable, internal) unchanged.
 */
function metadataFailure(err: unknown): unknown {
  if (!KmsError.match(err, 'key.invalidState')) return err
  const cause = err.cause as { errorName?: unknown; status?: unknown } | undefined
  switch (cause?.errorName) {
    case 'KeyNotFoundException':
      return new KmsError('xksKey.notFound', 'The external key manager has no key with this XksKeyId.', { cause })
    case 'InvalidStateException':
      return new KmsError('xksKey.invalidConfiguration', 'The external key is disabled in the external key manager.', { cause })
    default:
      return new KmsError('keyStore.incorrectCredential', 'The external key store proxy rejected the credential.', { cause })
  }
}

/** The key's binding, store (Connected) and EKM layer for one call. */
async function layerFor(
  deps: Deps,
  caller: Caller,
  key: KeyRecord,
  versionId: string,
  kmsOperation: string,
): Promise<{ binding: ExternalKeyBindingRecord; layerKey: Uint8Array; xks: XksLayer }> {
  const { stores, xks } = requireExternal(deps)
  const binding = await stores.getBinding(key.keyId)
  if (!binding) throw new KmsError('internal', 'The external key has no binding.')
  const store = await stores.getStore(binding.keyStoreId)
  if (!store) throw new KmsError('key.invalidState', 'The external key store is not found.')
  if (store.connectionState !== 'Connected') throw new KmsError('key.invalidState', 'The external key store is not connected.')
  const endpoint = await endpointOf(deps, store)
  const md: XksRequestMetadata = {
    awsPrincipalArn: principalArn(caller),
    kmsOperation,
    kmsRequestId: requestId(deps),
    kmsKeyArn: `acs:kms:${key.region}:${key.accountId}:key/${key.keyId}`,
  }
  const layerKey = await unwrapCached(deps, binding.wrappedLayerKey, layerKeyAad(key.keyId, versionId))
  return {
    binding,
    layerKey,
    xks: {
      encrypt: (plaintext, aad) => xks.encrypt(endpoint, binding.externalKeyId, md, plaintext, aad),
      decrypt: (c, aad, n) => xks.decrypt(endpoint, binding.externalKeyId, md, c, aad, n),
    },
  }
}

const KMS_OPERATION: Partial<Record<KeyOperation, string>> = {
  Encrypt: 'Encrypt',
  Decrypt: 'Decrypt',
  GenerateDataKey: 'GenerateDataKey',
  GenerateDataKeyWithoutPlaintext: 'GenerateDataKeyWithoutPlaintext',
  ReEncryptFrom: 'ReEncrypt',
  ReEncryptTo: 'ReEncrypt',
}

/**
 * Seals `plaintext` under an external key's (only) version.
 *
 * @throws {KmsError} key.invalidState (store not connected, EKM key disabled/missing),
 *   hsm.unavailable, validation.invalidParameter.
 */
export async function sealExternal(
  deps: Deps,
  caller: Caller,
  key: KeyRecord,
  plaintext: Uint8Array,
  context: Record<string, string>,
  op: KeyOperation,
): Promise<{ blob: Uint8Array; versionId: string }> {
  const versionId = key.primaryVersionId
  if (!versionId) throw new KmsError('internal', 'The external key has no version.')
  const { layerKey, xks } = await layerFor(deps, caller, key, versionId, KMS_OPERATION[op] ?? 'Encrypt')
  try {
    return { blob: await sealXksBlob({ keyId: key.keyId, versionId }, layerKey, xks, plaintext, context, deps.random), versionId }
  } finally {
    zeroize(layerKey)
  }
}

/**
 * Opens a suite-0x05 blob with the same checks, in the same order, as software blobs: the
 * key must exist in `owner`'s account and region (the caller's, or the key owner's authorised for
 * cross-account use), be external and have the version; then the
 * key state; then both layers.
 *
 * @throws {KmsError} crypto.invalidCiphertext (uniform), key.* state errors, key.invalidState
 *   (store/EKM), hsm.unavailable.
 */
export async function openExternal(
  deps: Deps,
  caller: Caller,
  blob: Uint8Array,
  context: Record<string, string>,
  op: KeyOperation,
  owner: Pick<Caller, 'accountId' | 'region'> = caller,
): Promise<{ key: KeyRecord; versionId: string; plaintext: Uint8Array }> {
  const parsed = parseXksBlob(blob)
  const key = await deps.keys.get(parsed.keyId)
  if (
    !key ||
    key.keyState === 'Deleted' ||
    key.accountId !== owner.accountId ||
    key.region !== owner.region ||
    !isExternalKey(key) ||
    !key.versions.some((v) => v.versionId === parsed.versionId)
  ) {
    throw invalidCiphertext()
  }
  assertKeyState(op, key)
  const { layerKey, xks } = await layerFor(deps, caller, key, parsed.versionId, KMS_OPERATION[op] ?? 'Decrypt')
  try {
    return { key, versionId: parsed.versionId, plaintext: await openXksBlob(parsed, layerKey, xks, context) }
  } finally {
    zeroize(layerKey)
  }
}
