/**
 * @module functions/authorize
 *
 * Authorises one authenticated RPC call before it has any effect: derives the resource ARN(s)
 * from the request parameters (functions/alibaba/permissions.ts), loads the caller's identity
 * policies and the resources' policies (core/domain/principals/access-control.ts, cached ≤ 5 s),
 * and evaluates every (action, resource) pair (core/domain/policy/evaluate.ts). All must allow.
 *
 * Rules that keep a denial from revealing anything:
 * - The ARN is computed from the request, never from what exists: an unknown key id in the
 *   caller's account is judged like any key of the account (default key policy), so "no
 *   permission" (403) comes before "not found" (404) and looks the same for existing and
 *   missing keys.
 * - Parameter errors that do not depend on stored state (missing parameter, malformed ARN, ARN of
 *   another region, undecodable ciphertext) are reported first, exactly as the handler would.
 * - Aliases: resolved here, once: authorised on the alias ARN, then again on the key ARN it points
 *   to; the handler receives the key id, so a concurrent creation or re-pointing of the alias
 *   cannot make it act on a key that was not authorised. An alias that does not exist is judged
 *   as "some key of the account" (`key/*`) and, when that is allowed, refused with
 *   Forbidden.AliasNotFound here: the handler never resolves an alias name itself.
 * - UpdateAlias and DeleteAlias also need the action on the key the alias points at now; the
 *   change is written only while the alias still points there (`AUTHZ_PARAMS.aliasKeyId`).
 * - Secrets under a customer CMK: writes need kms:GenerateDataKey, reads kms:Decrypt on that key
 *   (read from the secret's head, or `EncryptionKeyId` for CreateSecret); the default CMK and
 *   the secrets service key need nothing more. A missing secret adds no key check.
 * - Probes (`PermissionCheck.probe`) never deny; their outcome reaches the handler as a parameter
 *   only authorisation can set (PutSecretValue: may the caller read the secret?).
 * - Decrypt (and ReEncrypt's source): authorised on the key named inside the ciphertext.
 *
 * Cross-account key use (allowed by both policies) runs the handler with the caller's account
 * replaced by the key's account, so the unchanged handlers resolve the key where it lives; the
 * audit record keeps the real caller. A request touching keys of two different accounts is
 * refused, except ReEncrypt from a ciphertext blob: its source key (the blob's) and destination
 * key (`DestinationKeyId`) are each authorised above under their own account's policies, and the
 * handler opens the blob in the source key's account ({@link REENCRYPT_SOURCE_ACCOUNT}) and seals
 * under the destination key in its account (the caller it runs as).
 */
import { parseBlobHeader } from '../core/crypto/envelope'
import { KmsError, invalidParameter, missingParameter } from '../core/errors'
import { assertAliasName, keyNotFound } from '../core/domain/keys/common'
import { DEFAULT_KEY_ALIAS, defaultKeyId, serviceKeyId } from '../core/domain/secrets/service-keys'
import { RAM_SUBTYPE } from '../core/domain/secrets/rotation/ram'
import { ExpiringMap } from '../core/expiring-map'
import type { Caller } from '../core/domain/model'
import type { PolicyDocument } from '../core/domain/policy/document'
import { arnAccount, conditionContext, evaluate, type DenyReason } from '../core/domain/policy/evaluate'
import { MatchBudget } from '../core/domain/policy/match'
import type { Deps } from './deps'
import { Params, tagTargets } from './alibaba/params'
import { AUTHZ_PARAM_PREFIX, AUTHZ_PARAMS, type ActionPermission, type PermissionCheck } from './alibaba/permission'

/** ReEncrypt across two accounts: the source key's account, set only here (see the header). */
export const REENCRYPT_SOURCE_ACCOUNT = `${AUTHZ_PARAM_PREFIX}ReEncryptSourceAccount`

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const KEY_ARN = /^acs:kms:([a-z0-9-]{1,64}):(\d{1,32}):(key|alias)\/(.+)$/
const SECRET_ARN = /^acs:kms:([a-z0-9-]{1,64}):(\d{1,32}):secret\/(.+)$/
const ALIAS_NAME = /^alias\/[A-Za-z0-9_\-/]{1,249}$/
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,192}$/
const CONTROL = /[\u0000-\u001f\u007f]/
const ROLE_ARN = /^acs:ram::\d{1,32}:role\/[A-Za-z0-9.-]{1,64}$/
/** As functions/alibaba/actions/crypto.ts: ciphertext blobs are at most a few KB. */
const MAX_BLOB_BYTES = 16 * 1024

export type Service = 'kms' | 'ram' | 'actiontrail' | 'sts'

export interface AuthorizeInput {
  deps: Deps
  service: Service
  action: string
  /** The action's permission, from its descriptor (functions/alibaba/action.ts). */
  permission: ActionPermission
  caller: Caller
  params: Params
  sourceIp?: string
  secureTransport: boolean
}

export interface Authorization {
  allowed: boolean
  reason?: DenyReason
  permission: ActionPermission
  /** The caller the handler runs as (the key's account for allowed cross-account use). */
  caller: Caller
  /** The parameters the handler receives (aliases resolved to the authorised key ids). */
  params: Params
  /** Every ARN authorised (alias and key, blob key, secret, user, ...). */
  resources: string[]
  /** Key ids whose cached policy view must be dropped after a state-changing call. */
  keyIds: string[]
  /** The key version named inside a ciphertext, if any. */
  keyVersionId?: string
  /** A ciphertext named no key: the handler must refuse the call (its result is withheld). */
  unresolved: boolean
}

interface Target {
  action: string
  arn: string
  /** The resource's own policy; undefined for resources that have none. */
  policy?: PolicyDocument
  tags?: Readonly<Record<string, string>>
  contextParam?: string
  keyId?: string
  /** A probe: its outcome is passed to the handler under this parameter, it never denies. */
  probe?: string
}

function malformedKeyId(parameter: string): KmsError {
  return invalidParameter(parameter, 'the key identifier is malformed.')
}

function aliasNotFound(): KmsError {
  return new KmsError('alias.notFound', 'The specified Alias is not found.')
}

/** The default CMK and the secrets service key: a secret under them needs no key permission. */
export function isManagedSecretKey(keyId: string, account: string, region: string): boolean {
  return keyId === serviceKeyId(account, region) || keyId === defaultKeyId(account, region)
}

type SecretKeyRef = { keyId: string; account: string; region: string } | undefined

/**
 * The CMK of existing secrets (`account/region/name` → key), kept ≤ 2 s in the isolate: the key of
 * a secret never changes, and the secret actions refuse a secret no longer under the key
 * authorised (re-created in between), so a stale entry can only refuse, never allow. Missing
 * secrets are not cached (one created meanwhile would be refused until the entry expired), and
 * CreateSecret / DeleteSecret drop the name's entry in their isolate; in another isolate a secret
 * re-created under another customer key is refused (Rejected.ConcurrentModification) for ≤ 2 s.
 */
const SECRET_KEY_CACHE_MS = 2_000
const secretKeyCache = new ExpiringMap<NonNullable<SecretKeyRef>>(SECRET_KEY_CACHE_MS, 10_000)

/** A request's ExtendedConfig, or undefined when absent or malformed (the handler reports it). */
function extendedConfigOf(params: Params, param: string): Record<string, unknown> | undefined {
  try {
    return params.extendedConfig(param)
  } catch (err) {
    if (err instanceof KmsError && err.code.startsWith('validation.')) return undefined
    throw err
  }
}

/** The ExtendedConfig fields that name another secret a rotation reads as the account. */
const CONFIG_SECRET_FIELDS = ['AdminSecretName', 'RotationFunctionSigningSecretName'] as const

/** The secrets an ExtendedConfig names (see {@link CONFIG_SECRET_FIELDS}). */
function configSecretNames(params: Params, param: string): string[] {
  const config = extendedConfigOf(params, param)
  if (!config) return []
  const names = CONFIG_SECRET_FIELDS.map((f) => config[f]).filter((v): v is string => typeof v === 'string' && v !== '')
  return [...new Set(names)]
}

class Resolver {
  readonly rewrites = new Map<string, string>()
  keyVersionId: string | undefined
  unresolved = false
  /** A key or alias name that resolved to nothing: the answer once the call is allowed. */
  refusal: KmsError | undefined
  private readonly heads = new Map<string, Promise<SecretKeyRef>>()
  /** Per secret (`account/region/name`), the customer CMK authorised ('' for none). */
  readonly secretKeys: Record<string, string> = {}

  constructor(private readonly input: AuthorizeInput) {}

  private get caller(): Caller {
    return this.input.caller
  }

  /** "Some key of the caller's account", for a name that resolves to no key. */
  private anyKey(action: string): Target {
    const c = this.caller
    return { action, arn: `acs:kms:${c.region}:${c.accountId}:key/*`, policy: this.input.deps.access.defaultPolicy(c.accountId) }
  }

  private async keyTarget(action: string, keyId: string, account: string, region: string): Promise<Target> {
    const arn = `acs:kms:${region}:${account}:key/${keyId}`
    if (UUID.test(keyId)) {
      const view = await this.input.deps.access.key(keyId)
      if (view.exists && view.accountId === account && view.region === region) {
        return { action, arn, policy: view.policy, tags: view.tags, keyId }
      }
    }
    if (account !== this.caller.accountId) return { action, arn }
    return { action, arn, policy: this.input.deps.access.defaultPolicy(account), keyId }
  }

  private async keyRef(action: string, parameter: string, value: string): Promise<Target[]> {
    if (value.length === 0 || value.length > 512 || CONTROL.test(value)) throw malformedKeyId(parameter)
    const region = this.caller.region
    let account = this.caller.accountId
    let keyId: string | undefined
    let aliasName: string | undefined
    if (value.startsWith('acs:')) {
      const m = KEY_ARN.exec(value)
      if (!m) throw invalidParameter(parameter, 'the ARN is malformed.')
      const [, arnRegion, arnAccount, kind, rest] = m as unknown as [string, string, string, string, string]
      if (arnRegion !== region) throw invalidParameter(parameter, 'the ARN names another region.')
      account = arnAccount
      if (kind === 'alias') aliasName = `alias/${rest}`
      else keyId = rest
    } else if (value.startsWith('alias/')) {
      aliasName = value
    } else {
      keyId = value
    }
    if (keyId !== undefined) return [await this.keyTarget(action, keyId, account, region)]
    const aliasTarget: Target = { action, arn: `acs:kms:${region}:${account}:${aliasName}` }
    // Aliases have no resource policy, so another account's alias is refused without a lookup
    // (evaluate: no resource policy and another account → crossAccount).
    if (account !== this.caller.accountId) return [aliasTarget]
    if (ALIAS_NAME.test(aliasName!)) {
      const alias = await this.input.deps.aliases.get(account, region, aliasName!)
      if (alias) {
        this.rewrites.set(parameter, alias.keyId)
        return [aliasTarget, await this.keyTarget(action, alias.keyId, account, region)]
      }
    }
    // Resolved once, here: the handler must not look the name up again after this decision.
    this.refusal ??= ALIAS_NAME.test(aliasName!) ? aliasNotFound() : keyNotFound()
    return [aliasTarget, this.anyKey(action)]
  }

  /** UpdateAlias / DeleteAlias: the key the alias points at now. */
  private async aliasTarget(action: string, parameter: string): Promise<Target[]> {
    const name = this.input.params.string(parameter, { max: 512 })
    assertAliasName(name, parameter)
    const c = this.caller
    const alias = await this.input.deps.aliases.get(c.accountId, c.region, name)
    if (!alias) {
      this.refusal ??= aliasNotFound()
      return [this.anyKey(action)]
    }
    this.rewrites.set(AUTHZ_PARAMS.aliasKeyId, alias.keyId)
    return [await this.keyTarget(action, alias.keyId, c.accountId, c.region)]
  }

  /** CreateSecret's `EncryptionKeyId`, unless absent or the default CMK. */
  private async newSecretKey(action: string, parameter: string): Promise<Target[]> {
    const value = this.input.params.optionalString(parameter, { max: 512 })
    const c = this.caller
    if (!value || value === DEFAULT_KEY_ALIAS || value === `acs:kms:${c.region}:${c.accountId}:${DEFAULT_KEY_ALIAS}`) return []
    const targets = await this.keyRef(action, parameter, value)
    return targets.filter((t) => !(t.keyId && isManagedSecretKey(t.keyId, c.accountId, c.region)))
  }

  /** The CMK recorded on an existing secret's head (read once per request and name). */
  private async secretKey(action: string, parameter: string, value: string): Promise<Target[]> {
    const { account, region, name } = this.secretName(parameter, value)
    if (!SECRET_NAME.test(name)) return []
    const id = `${account}/${region}/${name}`
    let head = this.heads.get(id)
    if (!head) {
      const now = this.input.deps.clock.now()
      const cached = secretKeyCache.get(id, now)
      head = cached
        ? Promise.resolve(cached)
        : this.input.deps.secrets.getHead(account, region, name).then((h): SecretKeyRef => {
            if (!h || h.state === 'Deleted') return undefined
            const ref = { keyId: h.encryptionKeyId, account: h.accountId, region: h.region }
            secretKeyCache.set(id, ref, now)
            return ref
          })
      this.heads.set(id, head)
    }
    const found = await head
    if (!found || isManagedSecretKey(found.keyId, found.account, found.region)) {
      this.secretKeys[id] = ''
      return []
    }
    this.secretKeys[id] = found.keyId
    return [await this.keyTarget(action, found.keyId, found.account, found.region)]
  }

  /**
   * The key inside a ciphertext. A blob that names no key cannot be decrypted by anyone, so it
   * is judged as "some key of the caller's account" (`key/*`) and left to the handler, which
   * refuses it in its own order of checks; the call is marked unresolved, and its result is
   * withheld should the handler ever succeed (these actions are read-only, so nothing changed).
   */
  private async blob(action: string, parameter: string): Promise<Target> {
    let header: ReturnType<typeof parseBlobHeader> | undefined
    try {
      header = parseBlobHeader(this.input.params.base64(parameter, MAX_BLOB_BYTES))
    } catch (err) {
      if (KmsError.match(err, 'validation.missingParameter')) throw err
    }
    if (!header) {
      this.unresolved = true
      const c = this.caller
      return { action, arn: `acs:kms:${c.region}:${c.accountId}:key/*`, policy: this.input.deps.access.defaultPolicy(c.accountId) }
    }
    const view = await this.input.deps.access.key(header.keyId)
    this.keyVersionId ??= header.versionId
    const account = view.exists && view.accountId ? view.accountId : this.caller.accountId
    return this.keyTarget(action, header.keyId, account, view.exists && view.region ? view.region : this.caller.region)
  }

  private secretName(parameter: string, value: string): { account: string; region: string; name: string } {
    if (!value.startsWith('acs:')) return { account: this.caller.accountId, region: this.caller.region, name: value }
    const m = SECRET_ARN.exec(value)
    if (!m) throw invalidParameter(parameter, 'the secret ARN is malformed.')
    const [, arnRegion, arnAccount, rest] = m as unknown as [string, string, string, string]
    if (arnRegion !== this.caller.region) throw invalidParameter(parameter, 'the ARN names another region.')
    return { account: arnAccount, region: arnRegion, name: rest }
  }

  private async secret(action: string, parameter: string, value: string): Promise<Target> {
    const { account, region, name } = this.secretName(parameter, value)
    if (action === 'kms:CreateSecret' || action === 'kms:DeleteSecret') secretKeyCache.delete(`${account}/${region}/${name}`)
    const arn = `acs:kms:${region}:${account}:secret/${name}`
    if (!SECRET_NAME.test(name)) {
      return account === this.caller.accountId ? { action, arn, policy: this.input.deps.access.defaultPolicy(account) } : { action, arn }
    }
    return { action, arn, policy: await this.input.deps.access.secretPolicy(account, region, name) }
  }

  async targets(check: PermissionCheck, action: string): Promise<Target[]> {
    const { params } = this.input
    const c = this.caller
    const spec = check.resource
    const withContext = (t: Target): Target => (check.contextParam ? { ...t, contextParam: check.contextParam } : t)
    const listed = (param: string): string[] => {
      try {
        const list = params.optionalJson(param, (v) => v) as Array<{ SecretName?: unknown }> | undefined
        if (Array.isArray(list)) return list.map((e) => (typeof e?.SecretName === 'string' ? e.SecretName : '')).filter(Boolean)
      } catch {
        // The handler reports the malformed list.
      }
      return []
    }
    switch (spec.kind) {
      case 'key': {
        const parameter = spec.params.find((p) => params.has(p) && params.optionalString(p, { max: 512 }) !== '') ?? spec.params[0]!
        return (await this.keyRef(action, parameter, params.string(parameter, { max: 512 }))).map(withContext)
      }
      case 'blob':
        return [withContext(await this.blob(action, spec.param))]
      case 'reEncryptSource':
        if (params.has('SourceEncryptionAlgorithm') || params.has('SourceKeyVersionId')) {
          return (await this.keyRef(action, 'SourceKeyId', params.string('SourceKeyId', { max: 512 }))).map(withContext)
        }
        return [withContext(await this.blob(action, 'CiphertextBlob'))]
      case 'alias': {
        const name = params.string(spec.param, { max: 512 })
        return [{ action, arn: `acs:kms:${c.region}:${c.accountId}:${name}` }]
      }
      case 'aliasTarget':
        return this.aliasTarget(action, spec.param)
      case 'newSecretKey':
        return this.newSecretKey(action, spec.param)
      case 'secret':
        return [await this.secret(action, spec.param, params.string(spec.param, { max: 1024 }))]
      case 'secretKey':
        return this.secretKey(action, spec.param, params.string(spec.param, { max: 1024 }))
      case 'secretList': {
        const names = listed(spec.param)
        if (names.length === 0) return [{ action, arn: `acs:kms:${c.region}:${c.accountId}:secret` }]
        return Promise.all(names.slice(0, 100).map((n) => this.secret(action, spec.param, n)))
      }
      case 'secretListKeys':
        // The secret check before this one has already refused malformed names.
        return (await Promise.all(listed(spec.param).slice(0, 100).map((n) => this.secretKey(action, spec.param, n)))).flat()
      case 'keyOrSecret': {
        const secretName = params.optionalString('SecretName', { max: 1024 })
        if (secretName) return [await this.secret(action, 'SecretName', secretName)]
        return this.keyRef(action, 'KeyId', params.string('KeyId', { max: 512 }))
      }
      case 'tagTargets': {
        const { resourceType, resourceIds } = tagTargets(params)
        if (resourceType === 'secret') return Promise.all(resourceIds.map((n) => this.secret(action, 'ResourceId', n)))
        // Ids and key ARNs only (tagTargets refuses aliases), so keyRef rewrites no parameter.
        return (await Promise.all(resourceIds.map((id) => this.keyRef(action, 'ResourceId', id)))).flat()
      }
      case 'collection':
        return [{ action, arn: `acs:kms:${c.region}:${c.accountId}:${spec.name}` }]
      case 'service':
        return [{ action, arn: `acs:kms:${c.region}:${c.accountId}:*` }]
      case 'ramUser': {
        const name = params.optionalString(spec.param, { max: 128 })
        if (!name) {
          if (!spec.self) throw missingParameter(spec.param)
          return [{ action, arn: c.principalArn ?? `acs:ram::${c.accountId}:root` }]
        }
        return [{ action, arn: `acs:ram::${c.accountId}:user/${name}` }]
      }
      case 'ramPolicy':
        return [{ action, arn: `acs:ram::${c.accountId}:policy/${params.string(spec.param, { max: 128 })}` }]
      case 'ramAccount':
        return [{ action, arn: `acs:ram::${c.accountId}:*` }]
      case 'ramRole':
        return [{ action, arn: `acs:ram::${c.accountId}:role/${params.string(spec.param, { max: 128 })}` }]
      case 'ramRoleArn': {
        const arn = params.string(spec.param, { max: 256 })
        if (!ROLE_ARN.test(arn)) throw invalidParameter(spec.param, 'must be a role ARN, acs:ram::<account>:role/<name>.')
        return [{ action, arn }]
      }
      case 'trail':
        return [{ action, arn: `acs:actiontrail:${c.region}:${c.accountId}:*` }]
      case 'configSecrets':
        return Promise.all(configSecretNames(params, spec.param).map((n) => this.secret(action, spec.param, n)))
      case 'configSecretKeys':
        return (await Promise.all(configSecretNames(params, spec.param).map((n) => this.secretKey(action, spec.param, n)))).flat()
      case 'configRamUser': {
        const config = extendedConfigOf(params, spec.param)
        const name = config?.UserName
        const ram = params.optionalString('SecretType', { max: 32 }) === 'RAMCredentials' || config?.SecretSubType === RAM_SUBTYPE
        if (!ram || typeof name !== 'string' || name === '') return []
        return [{ action, arn: `acs:ram::${c.accountId}:user/${name}` }]
      }
    }
  }
}

/** The handler's parameters: aliases resolved, and only authorisation's own `AUTHZ_PARAMS`. */
/** The two accounts of a ReEncrypt from a blob whose source and destination keys differ in account. */
function reEncryptAccounts(input: AuthorizeInput, required: Target[], caller: Caller): { source: string; destination: string } | undefined {
  const { params } = input
  if (input.service !== 'kms' || input.action !== 'ReEncrypt') return undefined
  if (params.has('SourceEncryptionAlgorithm') || params.has('SourceKeyVersionId')) return undefined
  const accountsOf = (action: string) => new Set(required.filter((t) => t.action === action).map((t) => arnAccount(t.arn) ?? caller.accountId))
  const from = [...accountsOf('kms:ReEncryptFrom')]
  const to = [...accountsOf('kms:ReEncryptTo')]
  if (from.length !== 1 || to.length !== 1 || from[0] === to[0]) return undefined
  return { source: from[0]!, destination: to[0]! }
}

function rewritten(params: Params, rewrites: ReadonlyMap<string, string>): Params {
  const forged = params.withPrefix(AUTHZ_PARAM_PREFIX)
  if (rewrites.size === 0 && forged.length === 0) return params
  const values = new Map(params.withPrefix(''))
  for (const [k] of forged) values.delete(k)
  for (const [k, v] of rewrites) values.set(k, v)
  return new Params(values)
}

/**
 * Decides one call. Returns the decision rather than throwing it, so that the caller can record
 * the denied call with its resources first.
 * @throws KmsError validation.* / crypto.invalidCiphertext for request errors that come before
 *   authorisation; store.unavailable when policies cannot be read.
 */
export async function authorize(input: AuthorizeInput): Promise<Authorization> {
  const { deps, caller, params } = input
  const { permission } = input
  const resolver = new Resolver(input)
  const targets: Target[] = []
  for (const check of permission.checks) {
    const resolved = await resolver.targets(check, check.action ?? `${input.service}:${input.action}`)
    targets.push(...(check.probe ? resolved.map((t) => ({ ...t, probe: check.probe })) : resolved))
  }
  const required = targets.filter((t) => !t.probe)
  if (Object.keys(resolver.secretKeys).length > 0) resolver.rewrites.set(AUTHZ_PARAMS.secretKeys, JSON.stringify(resolver.secretKeys))
  const identity = await deps.access.identity(caller)
  const now = deps.clock.now()
  const contexts = new Map<string, Record<string, string>>()
  const contextOf = (param: string | undefined) => (): Record<string, string> | undefined => {
    if (!param) return undefined
    if (!contexts.has(param)) contexts.set(param, params.encryptionContext(param))
    return contexts.get(param)
  }
  // One matching allowance for the whole request, however many resources it names.
  const budget = new MatchBudget()
  const decideWith = (t: Target, policies: typeof identity.policies) =>
    evaluate(
      {
        action: t.action,
        resource: t.arn,
        principal: identity.principal,
        context: conditionContext({
          sourceIp: input.sourceIp,
          now,
          secureTransport: input.secureTransport,
          encryptionContext: contextOf(t.contextParam),
          tags: t.tags,
        }),
      },
      { identity: policies, resource: t.policy, crossAccount: permission.crossAccount },
      budget,
    )
  // An STS session policy only narrows: the role's policies and the session policy must both allow.
  const decide = (t: Target) => {
    const byRole = decideWith(t, identity.policies)
    return byRole.allowed && identity.session ? decideWith(t, [identity.session]) : byRole
  }
  const base: Authorization = {
    allowed: true,
    permission,
    caller,
    params: rewritten(params, resolver.rewrites),
    resources: [...new Set(required.map((t) => t.arn))],
    keyIds: [...new Set(required.flatMap((t) => (t.keyId ? [t.keyId] : [])))],
    ...(resolver.keyVersionId ? { keyVersionId: resolver.keyVersionId } : {}),
    unresolved: resolver.unresolved,
  }
  for (const t of required) {
    const decision = decide(t)
    if (!decision.allowed) return { ...base, allowed: false, reason: decision.reason }
  }
  const accounts = new Set(required.map((t) => arnAccount(t.arn) ?? caller.accountId))
  const split = accounts.size === 2 ? reEncryptAccounts(input, required, caller) : undefined
  if (accounts.size > 1 && !split) return { ...base, allowed: false, reason: 'crossAccount' }
  // Probes run only for an allowed call; they never deny it.
  const probes = new Map<string, boolean>()
  for (const t of targets) {
    if (t.probe) probes.set(t.probe, (probes.get(t.probe) ?? true) && decide(t).allowed)
  }
  if (probes.size > 0) {
    for (const [name, allowed] of probes) resolver.rewrites.set(name, String(allowed))
    base.params = rewritten(params, resolver.rewrites)
  }
  // Allowed, but a name resolved to nothing: the handler's own "not found", decided here.
  if (resolver.refusal) throw resolver.refusal
  if (split) {
    resolver.rewrites.set(REENCRYPT_SOURCE_ACCOUNT, split.source)
    return { ...base, params: rewritten(params, resolver.rewrites), caller: { ...caller, accountId: split.destination } }
  }
  const [account] = accounts
  return account && account !== caller.accountId ? { ...base, caller: { ...caller, accountId: account } } : base
}
