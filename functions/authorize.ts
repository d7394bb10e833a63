/**
 * @module functions/authorize
 *
 * Authorises one authenticated RPC call before it has any effect: maps the action's permission
 * (its descriptor, functions/alibaba/permission.ts) to the resources the request names, which
 * core/domain/targets parses and loads once (key policy views, alias → key, secret heads and
 * their CMKs, a blob's key); loads the caller's identity policies
 * (core/domain/principals/access-control.ts, cached ≤ 5 s); and evaluates every
 * (action, resource) pair (core/domain/policy/evaluate.ts). All must allow. What was resolved
 * reaches the handler as typed {@link ResolvedTargets} (`ctx.targets`), never as parameters.
 *
 * Rules that keep a denial from revealing anything:
 * - The ARN is computed from the request, never from what exists: an unknown key id in the
 *   caller's account is judged like any key of the account (default key policy), so "no
 *   permission" (403) comes before "not found" (404) and looks the same for existing and
 *   missing keys.
 * - Parameter errors that do not depend on stored state (missing parameter, malformed ARN, ARN of
 *   another region, undecodable ciphertext) are reported first, exactly as the handler would.
 * - Aliases: resolved here, once: authorised on the alias ARN, then again on the key ARN it points
 *   to; the handler receives the key id (`targets.keys`), so a concurrent creation or
 *   re-pointing of the alias cannot make it act on a key that was not authorised. An alias that does not exist is judged
 *   as "some key of the account" (`key/*`) and, when that is allowed, refused with
 *   Forbidden.AliasNotFound here: the handler never resolves an alias name itself.
 * - UpdateAlias and DeleteAlias also need the action on the key the alias points at now; the
 *   change is written only while the alias still points there (`targets.aliasKeyId`).
 * - Secrets under a customer CMK: writes need kms:GenerateDataKey, reads kms:Decrypt on that key
 *   (read from the secret's head, or `EncryptionKeyId` for CreateSecret); the default CMK and
 *   the secrets service key need nothing more. A missing secret adds no key check. The CMK each
 *   secret was authorised on reaches the handler (`targets.secretKeys`), which refuses a secret
 *   found under another customer key by then (deleted and re-created in between).
 * - Probes (`PermissionCheck.probe`) never deny; their outcome reaches the handler in
 *   `targets.probes`, which no request parameter can set (PutSecretValue: may the caller read
 *   the secret?).
 * - Decrypt (and ReEncrypt's source): authorised on the key named inside the ciphertext.
 *
 * Grants (AWS KMS grants, core/domain/grants): a required check on a key that the policies do not
 * allow (`noAllow` — never an explicit deny, a cross-account refusal or a too-complex request) is
 * allowed when a grant on that key names the caller as grantee for the operation that covers the
 * check's permission (core/domain/grants/model.ts `grantOperationOf`: AWS and Alibaba calls alike,
 * one path for both dialects) and its constraints hold for the check's encryption context. The
 * key's grants are read (uncached, one Query) only then, so an allowed call pays nothing, and a
 * revoked grant stops at once. Grants are same-account only: the key's account must be the
 * caller's (CreateGrant refuses grantees of other accounts). An STS session with a session policy
 * uses a grant only when the session policy also allows the action (it only narrows). RetireGrant
 * is never allowed through this path (its handler applies AWS's rules on the one grant named), and
 * probes never consult grants (CreateGrant's `byPolicy` probe tells its handler that the call
 * came through a grant, which then limits what may be granted).
 *
 * Cross-account key use (allowed by both policies): the handler runs as the real caller and acts
 * on the key or secret in the account that owns it (`targets.accountId`, and each KeyTarget's
 * own account); the audit record keeps the real caller and a copy goes to the owner's trail. A
 * request touching keys of two different accounts is refused, except ReEncrypt from a ciphertext
 * blob: its source key (the blob's, `targets.blob`) and destination key (`DestinationKeyId`) are
 * each authorised above under their own account's policies, and the handler opens the blob in the
 * source key's account and seals under the destination key in its account.
 */
import { KmsError, invalidParameter, missingParameter } from '../core/errors'
import { assertAliasName } from '../core/domain/keys/common'
import { RAM_SUBTYPE } from '../core/domain/secrets/rotation/ram'
import type { Caller } from '../core/domain/model'
import { arnAccount, conditionContext, evaluate, type DenyReason } from '../core/domain/policy/evaluate'
import { MatchBudget } from '../core/domain/policy/match'
import { grantAllows } from '../core/domain/grants/grants'
import { grantOperationOf } from '../core/domain/grants/model'
import { callerPrincipals } from '../core/domain/grants/principals'
import { blobKeyOf, TargetResolver, type ResolvedTargets, type ResourceTarget, type SecretKeyCache } from '../core/domain/targets'
import type { Deps } from './deps'
import { Params, tagTargets } from './alibaba/params'
import type { ActionPermission, PermissionCheck } from './alibaba/permission'

const ROLE_ARN = /^acs:ram::\d{1,32}:role\/[A-Za-z0-9.-]{1,64}$/
/** As functions/alibaba/actions/crypto: ciphertext blobs are at most a few KB. */
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
  /**
   * What was resolved, for the handler (`ctx.targets`): keys, the blob's key, the alias's key,
   * the secrets' authorised CMKs, the probes, and the account whose key or secret is used.
   */
  targets: ResolvedTargets
  /**
   * The parameters as sent, except that a key parameter naming an alias carries the key id it
   * resolved to. Transitional, for handlers that do not read `ctx.targets` yet: none of them
   * resolves an alias name itself. Nothing is added: authorisation has no parameters of its own.
   */
  params: Params
  /** Every ARN authorised (alias and key, blob key, secret, user, ...). */
  resources: string[]
  /** Key ids the call names (instance throttling: functions/pipeline/admit.ts). */
  keyIds: string[]
  /** The key version named inside a ciphertext, if any. */
  keyVersionId?: string
  /** A ciphertext named no key: the handler must refuse the call (its result is withheld). */
  unresolved: boolean
}

/** One (action, resource) pair to evaluate. */
interface Target extends ResourceTarget {
  action: string
  contextParam?: string
  /** A probe: its outcome reaches the handler in `targets.probes` under this name; it never denies. */
  probe?: string
}

export { isManagedSecretKey } from '../core/domain/targets'

/**
 * The CMK of existing secrets (`account/region/name` → key), kept ≤ 2 s in the isolate: the key of
 * a secret never changes, and the secret actions refuse a secret no longer under the key
 * authorised (re-created in between), so a stale entry can only refuse, never allow. Missing
 * secrets are not cached (one created meanwhile would be refused until the entry expired), and
 * CreateSecret / DeleteSecret drop the name's entry in their isolate; in another isolate a secret
 * re-created under another customer key is refused (Rejected.ConcurrentModification) for ≤ 2 s.
 * The cache is the isolate state's (`deps.isolate.secretKeys`, docs/isolate-state.md).
 */
function secretKeyCache(deps: Deps): SecretKeyCache {
  const cache = deps.isolate.secretKeys
  return { get: (id) => cache.get(id), set: (id, value, now) => cache.set(id, value, now), delete: (id) => cache.delete(id) }
}

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

/** The secret names of a JSON `SecretsList` (malformed lists are the handler's to report). */
function listedSecrets(params: Params, param: string): string[] {
  try {
    const list = params.optionalJson(param, (v) => v) as Array<{ SecretName?: unknown }> | undefined
    if (Array.isArray(list)) return list.map((e) => (typeof e?.SecretName === 'string' ? e.SecretName : '')).filter(Boolean)
  } catch {
    // The handler reports the malformed list.
  }
  return []
}

/**
 * The key named inside a ciphertext parameter, or undefined when the blob names none (a missing
 * parameter is reported here, as the handler would).
 */
function blobKey(params: Params, param: string): { keyId: string; versionId: string } | undefined {
  let bytes: Uint8Array
  try {
    bytes = params.base64(param, MAX_BLOB_BYTES)
  } catch (err) {
    if (KmsError.match(err, 'validation.missingParameter')) throw err
    return undefined
  }
  return blobKeyOf(bytes)
}

/**
 * Maps one permission check to the resources it names, through the request's resolver (the
 * adapter part: it reads the parameters; parsing and loading are core/domain/targets).
 */
async function resourcesOf(resolver: TargetResolver, input: AuthorizeInput, check: PermissionCheck): Promise<ResourceTarget[]> {
  const { params } = input
  const c = input.caller
  const spec = check.resource
  const action = check.action ?? `${input.service}:${input.action}`
  const forget = action === 'kms:CreateSecret' || action === 'kms:DeleteSecret'
  switch (spec.kind) {
    case 'key': {
      const parameter = spec.params.find((p) => params.has(p) && params.optionalString(p, { max: 512 }) !== '') ?? spec.params[0]!
      return resolver.keyReference(parameter, params.string(parameter, { max: 512 }))
    }
    case 'blob':
      return [await resolver.blob(blobKey(params, spec.param))]
    case 'reEncryptSource':
      if (params.has('SourceEncryptionAlgorithm') || params.has('SourceKeyVersionId')) {
        return resolver.keyReference('SourceKeyId', params.string('SourceKeyId', { max: 512 }))
      }
      return [await resolver.blob(blobKey(params, 'CiphertextBlob'))]
    case 'alias':
      return [{ arn: `acs:kms:${c.region}:${c.accountId}:${params.string(spec.param, { max: 512 })}` }]
    case 'aliasTarget': {
      const name = params.string(spec.param, { max: 512 })
      assertAliasName(name, spec.param)
      return resolver.aliasTarget(name)
    }
    case 'newSecretKey':
      return resolver.newSecretKey(spec.param, params.optionalString(spec.param, { max: 512 }))
    case 'secret':
      return [await resolver.secret(spec.param, params.string(spec.param, { max: 1024 }), forget)]
    case 'secretKey':
      return resolver.secretKey(spec.param, params.string(spec.param, { max: 1024 }))
    case 'secretList': {
      const names = listedSecrets(params, spec.param)
      if (names.length === 0) return [{ arn: `acs:kms:${c.region}:${c.accountId}:secret` }]
      return Promise.all(names.slice(0, 100).map((n) => resolver.secret(spec.param, n)))
    }
    case 'secretListKeys':
      // The secret check before this one has already refused malformed names.
      return (
        await Promise.all(
          listedSecrets(params, spec.param)
            .slice(0, 100)
            .map((n) => resolver.secretKey(spec.param, n)),
        )
      ).flat()
    case 'keyOrSecret': {
      const secretName = params.optionalString('SecretName', { max: 1024 })
      if (secretName) return [await resolver.secret('SecretName', secretName)]
      return resolver.keyReference('KeyId', params.string('KeyId', { max: 512 }))
    }
    case 'tagTargets': {
      const { resourceType, resourceIds } = tagTargets(params)
      if (resourceType === 'secret') return Promise.all(resourceIds.map((n) => resolver.secret('ResourceId', n)))
      // Ids and key ARNs only (tagTargets refuses aliases).
      return (await Promise.all(resourceIds.map((id) => resolver.keyReference('ResourceId', id)))).flat()
    }
    case 'collection':
      return [{ arn: `acs:kms:${c.region}:${c.accountId}:${spec.name}` }]
    case 'service':
      return [{ arn: `acs:kms:${c.region}:${c.accountId}:*` }]
    case 'ramUser': {
      const name = params.optionalString(spec.param, { max: 128 })
      if (!name) {
        if (!spec.self) throw missingParameter(spec.param)
        return [{ arn: c.principalArn ?? `acs:ram::${c.accountId}:root` }]
      }
      return [{ arn: `acs:ram::${c.accountId}:user/${name}` }]
    }
    case 'ramPolicy':
      return [{ arn: `acs:ram::${c.accountId}:policy/${params.string(spec.param, { max: 128 })}` }]
    case 'ramAccount':
      return [{ arn: `acs:ram::${c.accountId}:*` }]
    case 'ramRole':
      return [{ arn: `acs:ram::${c.accountId}:role/${params.string(spec.param, { max: 128 })}` }]
    case 'ramRoleArn': {
      const arn = params.string(spec.param, { max: 256 })
      if (!ROLE_ARN.test(arn)) throw invalidParameter(spec.param, 'must be a role ARN, acs:ram::<account>:role/<name>.')
      return [{ arn }]
    }
    case 'trail':
      return [{ arn: `acs:actiontrail:${c.region}:${c.accountId}:*` }]
    case 'configSecrets':
      return Promise.all(configSecretNames(params, spec.param).map((n) => resolver.secret(spec.param, n)))
    case 'configSecretKeys':
      return (await Promise.all(configSecretNames(params, spec.param).map((n) => resolver.secretKey(spec.param, n)))).flat()
    case 'configRamUser': {
      const config = extendedConfigOf(params, spec.param)
      const name = config?.UserName
      const ram = params.optionalString('SecretType', { max: 32 }) === 'RAMCredentials' || config?.SecretSubType === RAM_SUBTYPE
      if (!ram || typeof name !== 'string' || name === '') return []
      return [{ arn: `acs:ram::${c.accountId}:user/${name}` }]
    }
  }
}

/** The two accounts of a ReEncrypt from a blob whose source and destination keys differ in account. */
function reEncryptAccounts(input: AuthorizeInput, required: Target[], caller: Caller): { source: string; destination: string } | undefined {
  const { params } = input
  if (input.service !== 'kms' || input.action !== 'ReEncrypt') return undefined
  if (params.has('SourceEncryptionAlgorithm') || params.has('SourceKeyVersionId')) return undefined
  const accountsOf = (action: string) =>
    new Set(required.filter((t) => t.action === action).map((t) => arnAccount(t.arn) ?? caller.accountId))
  const from = [...accountsOf('kms:ReEncryptFrom')]
  const to = [...accountsOf('kms:ReEncryptTo')]
  if (from.length !== 1 || to.length !== 1 || from[0] === to[0]) return undefined
  return { source: from[0]!, destination: to[0]! }
}

/** The parameters with each key parameter that named an alias replaced by its key id (see Authorization.params). */
function aliasesResolved(params: Params, targets: ResolvedTargets): Params {
  const named = Object.entries(targets.keys).filter(([, k]) => k.aliasName !== undefined)
  if (named.length === 0) return params
  const values = new Map(params.withPrefix(''))
  for (const [parameter, key] of named) values.set(parameter, key.keyId)
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
  const resolver = new TargetResolver(
    { access: deps.access, aliases: deps.aliases, secrets: deps.secrets, clock: deps.clock, secretKeyCache: secretKeyCache(deps) },
    caller,
  )
  const targets: Target[] = []
  for (const check of permission.checks) {
    const action = check.action ?? `${input.service}:${input.action}`
    for (const r of await resourcesOf(resolver, input, check)) {
      targets.push({
        ...r,
        action,
        ...(check.contextParam ? { contextParam: check.contextParam } : {}),
        ...(check.probe ? { probe: check.probe } : {}),
      })
    }
  }
  const required = targets.filter((t) => !t.probe)
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
  /** `policies` (with the target's resource policy unless `alone`) on one check. */
  const decideWith = (t: Target, policies: typeof identity.policies, alone = false) =>
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
      alone
        ? { identity: policies, crossAccount: false }
        : { identity: policies, resource: t.policy, crossAccount: permission.crossAccount },
      budget,
    )
  // An STS session policy only narrows: the role's policies and the session policy must both allow.
  const decide = (t: Target) => {
    const byRole = decideWith(t, identity.policies)
    return byRole.allowed && identity.session ? decideWith(t, [identity.session]) : byRole
  }
  const unresolvedTargets = resolver.resolved(caller.accountId)
  const base: Authorization = {
    allowed: true,
    permission,
    targets: unresolvedTargets,
    params,
    resources: [...new Set(required.map((t) => t.arn))],
    keyIds: [...new Set(required.flatMap((t) => (t.keyId ? [t.keyId] : [])))],
    ...(resolver.keyVersionId ? { keyVersionId: resolver.keyVersionId } : {}),
    unresolved: resolver.unresolved,
  }
  // A grant on the key, for a check the policies do not allow (see the module comment).
  const grantsByKey = new Map<string, ReturnType<Deps['grants']['listByKey']>>()
  const allowedByGrant = async (t: Target): Promise<boolean> => {
    const operation = grantOperationOf(t.action)
    if (!operation || operation === 'RetireGrant' || !t.keyId) return false
    if ((arnAccount(t.arn) ?? caller.accountId) !== caller.accountId) return false
    // A session policy narrows what a grant gives too: it must allow the action by itself.
    if (identity.session && !decideWith(t, [identity.session], true).allowed) return false
    const forms = callerPrincipals(identity.principal.arn)
    if (forms.length === 0) return false
    // One read per key per request, however many checks fall back to it.
    let keyGrants = grantsByKey.get(t.keyId)
    if (!keyGrants) grantsByKey.set(t.keyId, (keyGrants = deps.grants.listByKey(t.keyId)))
    const grants = await keyGrants
    const context = contextOf(t.contextParam)
    return grants.some(
      (g) => g.accountId === caller.accountId && g.region === caller.region && grantAllows(g, forms, operation, () => context() ?? {}),
    )
  }
  for (const t of required) {
    const decision = decide(t)
    if (decision.allowed) continue
    if (decision.reason === 'noAllow' && (await allowedByGrant(t))) continue
    return { ...base, allowed: false, reason: decision.reason }
  }
  const accounts = new Set(required.map((t) => arnAccount(t.arn) ?? caller.accountId))
  const split = accounts.size === 2 ? reEncryptAccounts(input, required, caller) : undefined
  if (accounts.size > 1 && !split) return { ...base, allowed: false, reason: 'crossAccount' }
  // Probes run only for an allowed call; they never deny it.
  const probes: Record<string, boolean> = {}
  for (const t of targets) {
    if (t.probe) probes[t.probe] = (probes[t.probe] ?? true) && decide(t).allowed
  }
  // Allowed, but a name resolved to nothing: the handler's own "not found", decided here.
  if (resolver.refusal) throw resolver.refusal
  // The account whose key or secret is used; a split ReEncrypt's source is `targets.blob`'s.
  const [account] = accounts
  const owner = split ? split.destination : (account ?? caller.accountId)
  const resolved = resolver.resolved(owner, probes)
  return { ...base, targets: resolved, params: aliasesResolved(params, resolved) }
}
