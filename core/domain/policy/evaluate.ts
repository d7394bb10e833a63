/**
 * @module core/domain/policy/evaluate
 *
 * The authorisation decision for one (principal, action, resource) request.
 *
 * Rules (in this order; statement and policy order never matter, every statement is looked at):
 * 1. An explicit Deny that matches — in any identity policy of the caller or in the resource's
 *    policy — denies. Nothing overrides it.
 * 2. Resources without a resource policy (aliases, collections such as `…:key`, RAM entities,
 *    the trail) are allowed only to principals of the owning account whose identity policies
 *    allow the action.
 * 3. Resources with a policy (keys, secrets), same account: allowed when the resource policy
 *    grants the principal directly (its ARN or `*`), or delegates to the account
 *    (`acs:ram::<account>:*` / `:root`, the default policy) and an identity policy allows.
 * 4. Another account's key or secret: only for actions that use a resource (never management),
 *    and only when BOTH the resource policy grants the caller (directly or through its account)
 *    AND the caller's own identity policies allow it.
 * 5. Otherwise deny (default deny).
 * 6. Matching is bounded per request (core/domain/policy/match.ts {@link MatchBudget}): a request
 *    whose policies and values would take more than MAX_MATCH_STEPS steps is denied.
 *
 * The account root has an implicit identity "allow everything": it needs no identity policy,
 * but resource policies still apply to it (their explicit Denies, and rules 3–4), which is why
 * SetKeyPolicy refuses documents that would lock the root out ({@link keepsRootAccess}).
 */
import { normalizeConditionKey, type CompiledCondition, type PolicyDocument, type PolicyStatement } from './document'
import { BudgetExceeded, MatchBudget, MAX_MATCH_STEPS } from './match'

/** Request values that conditions can test, by normalised key (multi-valued). */
export interface ConditionContext {
  get(key: string): readonly string[] | undefined
}

export interface PrincipalRef {
  accountId: string
  /** `acs:ram::<account>:root` or `acs:ram::<account>:user/<name>`. */
  arn: string
  isRoot: boolean
}

export interface AuthzRequest {
  /** `service:Action`, e.g. `kms:Encrypt`. */
  action: string
  /** The ARN the request acts on. */
  resource: string
  principal: PrincipalRef
  context: ConditionContext
}

export interface ApplicablePolicies {
  /** The caller's identity policies, or `root` for the account root's implicit allow-all. */
  identity: readonly PolicyDocument[] | 'root'
  /** The resource's own policy; undefined for resource types that have none. */
  resource?: PolicyDocument
  /** Whether the action may use another account's resource at all (key use, not management). */
  crossAccount: boolean
}

/** `tooComplex`: the request's {@link MatchBudget} ran out (core/domain/policy/match.ts). */
export type DenyReason = 'explicitDeny' | 'noAllow' | 'crossAccount' | 'tooComplex'

export type Decision = { allowed: true } | { allowed: false; reason: DenyReason }

/** The account field of an `acs:` ARN; undefined when empty, `*` or not an ARN. */
export function arnAccount(arn: string): string | undefined {
  const parts = arn.split(':')
  if (parts[0] !== 'acs' || parts.length < 5) return undefined
  const account = parts[3]
  return account && account !== '*' ? account : undefined
}

function conditionsHold(conditions: readonly CompiledCondition[], context: ConditionContext, budget: MatchBudget): boolean {
  for (const c of conditions) {
    const values = context.get(c.key)
    if (!values || values.length === 0) {
      if (c.negated) continue
      return false
    }
    const any = values.some((v) => c.matches(v, budget))
    if (c.negated ? any : !any) return false
  }
  return true
}

/** Action and resource: cheap, request-independent of conditions; tested before any condition. */
function targets(s: PolicyStatement, req: AuthzRequest, budget: MatchBudget): boolean {
  return s.actions.some((m) => m(req.action, budget)) && s.resources.some((m) => m(req.resource, budget))
}

function principalMatch(s: PolicyStatement, p: PrincipalRef, budget?: MatchBudget): { direct: boolean; account: boolean } {
  let direct = false
  let account = false
  for (const m of s.principals ?? []) {
    if (m.anyone || m.direct?.(p.arn, budget)) direct = true
    if (m.account?.(p.accountId, budget)) account = true
  }
  return { direct, account }
}

const ALLOW: Decision = { allowed: true }

/**
 * Decides one request. Pure and total: never throws (except what a lazy encryption context
 * throws), never depends on statement order.
 *
 * In every statement the principal (resource policies), then the action and the resource are
 * matched before any condition is tested, so a statement that does not concern the caller costs
 * no condition work. All matching is charged to `budget` (by default {@link MAX_MATCH_STEPS}
 * steps for this call; pass one budget to several calls to bound a whole request): when it runs
 * out the request is denied (`tooComplex`), whatever the statements would have said.
 * @throws what the context's lazy encryption context throws (a malformed context)
 */
export function evaluate(req: AuthzRequest, policies: ApplicablePolicies, budget: MatchBudget = new MatchBudget()): Decision {
  try {
    return decide(req, policies, budget)
  } catch (err) {
    if (err instanceof BudgetExceeded) return { allowed: false, reason: 'tooComplex' }
    throw err
  }
}

function decide(req: AuthzRequest, policies: ApplicablePolicies, budget: MatchBudget): Decision {
  const resourceAccount = arnAccount(req.resource) ?? req.principal.accountId
  const sameAccount = resourceAccount === req.principal.accountId
  let denied = false
  let identityAllows = policies.identity === 'root'
  if (policies.identity !== 'root') {
    for (const doc of policies.identity) {
      for (const s of doc.statements) {
        if (!targets(s, req, budget) || !conditionsHold(s.conditions, req.context, budget)) continue
        if (s.effect === 'Deny') denied = true
        else identityAllows = true
      }
    }
  }
  let directGrant = false
  let accountGrant = false
  if (policies.resource) {
    for (const s of policies.resource.statements) {
      const m = principalMatch(s, req.principal, budget)
      if (!m.direct && !m.account) continue
      if (!targets(s, req, budget) || !conditionsHold(s.conditions, req.context, budget)) continue
      if (s.effect === 'Deny') denied = true
      else {
        directGrant ||= m.direct
        accountGrant ||= m.account
      }
    }
  }
  if (denied) return { allowed: false, reason: 'explicitDeny' }
  if (!policies.resource) {
    if (!sameAccount) return { allowed: false, reason: 'crossAccount' }
    return identityAllows ? ALLOW : { allowed: false, reason: 'noAllow' }
  }
  if (sameAccount) return directGrant || (accountGrant && identityAllows) ? ALLOW : { allowed: false, reason: 'noAllow' }
  if (!policies.crossAccount) return { allowed: false, reason: 'crossAccount' }
  return (directGrant || accountGrant) && identityAllows ? ALLOW : { allowed: false, reason: 'noAllow' }
}

/**
 * The lockout check of SetKeyPolicy / SetSecretPolicy: true when, under `doc` alone, the root of
 * `accountId` keeps `action` (e.g. `kms:SetKeyPolicy`) on `resource` unconditionally — an Allow
 * without conditions names the root or its account, and no Deny (with or without conditions)
 * could apply to the root.
 * @throws never
 */
export function keepsRootAccess(doc: PolicyDocument, accountId: string, resource: string, action: string): boolean {
  const root: PrincipalRef = { accountId, arn: `acs:ram::${accountId}:root`, isRoot: true }
  let allowed = false
  for (const s of doc.statements) {
    if (!s.actions.some((m) => m(action)) || !s.resources.some((m) => m(resource))) continue
    const m = principalMatch(s, root)
    if (!m.direct && !m.account) continue
    if (s.effect === 'Deny') return false
    if (s.conditions.length === 0) allowed = true
  }
  return allowed
}

/** Inputs of the condition context; every field is optional. */
export interface ConditionInputs {
  sourceIp?: string
  /** Epoch milliseconds. */
  now?: number
  secureTransport?: boolean
  /**
   * The request's encryption context, or a function that parses it: called only when a
   * statement tests `kms:EncryptionContext…`, so a request is never refused for a context no
   * policy looks at (and its errors surface in the handler's own order).
   */
  encryptionContext?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>> | undefined)
  tags?: Readonly<Record<string, string>>
  extra?: Readonly<Record<string, string | readonly string[]>>
}

const ENCRYPTION_CONTEXT_PREFIX = 'kms:encryptioncontext'

/**
 * Builds the condition context: `acs:SourceIp`, `acs:CurrentTime`, `acs:SecureTransport`,
 * `kms:EncryptionContext:<key>`, `kms:EncryptionContextKeys`, `kms:tag/<key>` and extras.
 * @throws never itself; `get` throws what a lazy `encryptionContext` throws.
 */
export function conditionContext(inputs: ConditionInputs): ConditionContext {
  const map = new Map<string, readonly string[]>()
  const set = (key: string, value: string | readonly string[]) =>
    map.set(normalizeConditionKey(key), typeof value === 'string' ? [value] : value)
  if (inputs.sourceIp) set('acs:SourceIp', inputs.sourceIp)
  if (inputs.now !== undefined) set('acs:CurrentTime', new Date(inputs.now).toISOString())
  if (inputs.secureTransport !== undefined) set('acs:SecureTransport', String(inputs.secureTransport))
  for (const [k, v] of Object.entries(inputs.tags ?? {})) set(`kms:tag/${k}`, v)
  for (const [k, v] of Object.entries(inputs.extra ?? {})) set(k, v)
  let pending = inputs.encryptionContext
  return {
    get(key: string) {
      if (pending !== undefined && key.startsWith(ENCRYPTION_CONTEXT_PREFIX)) {
        const ctx = typeof pending === 'function' ? pending() : pending
        pending = undefined
        const keys = Object.keys(ctx ?? {})
        for (const k of keys) set(`kms:EncryptionContext:${k}`, ctx![k]!)
        if (keys.length > 0) set('kms:EncryptionContextKeys', keys)
      }
      return map.get(key)
    },
  }
}
