/**
 * @module core/domain/principals/access-control
 *
 * Loads what a decision needs — the caller's identity policies, a key's owner, tags and policy,
 * a secret's policy — and caches it in the isolate for at most {@link ACCESS_CACHE_MS} (5 s), so
 * that the request path usually reads nothing extra. The caches live in the isolate state
 * (`IsolateState.access`, core/domain/isolate-state.ts; every bound in docs/isolate-state.md).
 *
 * HAZARD — the cache bound is a revocation delay: a policy detached, a key policy tightened or a
 * tag changed through ANOTHER isolate takes effect here within 5 s. Changes made through this
 * isolate drop the affected entries at once. Disabling or deleting an AccessKey is delayed too,
 * by less: it applies at once in the isolate that served it, and in every other isolate within
 * 2 s (the AccessKey record cache, core/store/cached-credentials.ts): a disabled AccessKey keeps
 * authenticating for up to 2 s per isolate. A user's deletion or a policy detached is delayed
 * up to 5 s per isolate (the identity cache here).
 *
 * Fail-closed: a stored policy that no longer parses (e.g. after a catalogue change) is replaced
 * by "Deny everything" for its holder, never skipped.
 *
 * Names are reused (a policy, a user or a secret deleted and created again), so nothing cached is
 * trusted by name alone: a compiled document is reused only for the very text it was compiled
 * from, and a secret's policy is looked up for the creation of the secret that exists now (its
 * head is read on every call, consistent; the policy is cached per creation `uid`).
 */
import { KmsError } from '../../errors'
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex, utf8 } from '../../crypto/bytes'
import type { Caller, CallerSession } from '../model'
import type { AccessInvalidation, Clock, IamRepository, KeyRepository, SecretRepository } from '../ports'
import { parsePolicyDocument, type PolicyDocument, type PolicyKind } from '../policy/document'
import type { PrincipalRef } from '../policy/evaluate'
import { defaultResourcePolicyText, systemPolicyDocument } from '../policy/system-policies'
import { ROOT_PRINCIPAL } from './model'
import { principalArn } from './names'
import { roleAttachmentOwner } from './role-model'
import { storedSecretPolicy } from './resource-policies'
import { AccessCaches, ISOLATE_CACHE_BOUNDS, type IsolateState } from '../isolate-state'

export const ACCESS_CACHE_MS = ISOLATE_CACHE_BOUNDS.identities.ttlMs

export interface IdentityView {
  principal: PrincipalRef
  policies: readonly PolicyDocument[] | 'root'
  /**
   * An STS session's policy: it only narrows, so a request must be allowed both with `policies`
   * (the role's) and with this one alone (functions/authorize.ts).
   */
  session?: PolicyDocument
}

export interface KeyView {
  exists: boolean
  accountId?: string
  region?: string
  tags: Readonly<Record<string, string>>
  /** The key's policy (the default one when none was set); undefined when the key does not exist. */
  policy?: PolicyDocument
}

const DENY_ALL = parsePolicyDocument(
  JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }),
  'identity',
)

export interface AccessControlDeps {
  iam: IamRepository
  keys: KeyRepository
  /** Secret heads: which creation of a secret name exists now. */
  secrets: Pick<SecretRepository, 'getHead'>
  clock: Clock
  /** The isolate's state (functions/deps.ts); without one, this instance caches on its own. */
  isolate?: IsolateState
}

export class AccessControl implements AccessInvalidation {
  private readonly identities: AccessCaches['identities']
  private readonly roles: AccessCaches['roles']
  private readonly keyViews: AccessCaches['keyViews']
  private readonly secretPolicies: AccessCaches['secretPolicies']
  private readonly documents: AccessCaches['documents']

  constructor(private readonly deps: AccessControlDeps) {
    const caches = deps.isolate?.access ?? new AccessCaches(deps.clock)
    this.identities = caches.identities
    this.roles = caches.roles
    this.keyViews = caches.keyViews
    this.secretPolicies = caches.secretPolicies
    this.documents = caches.documents
  }

  private compile(cacheKey: string, text: string, kind: PolicyKind): PolicyDocument {
    const now = this.documents.now()
    const cached = this.documents.get(cacheKey)
    // The same name and revision can carry another text (a policy deleted and created again).
    let doc = cached && cached.text === text ? cached.doc : undefined
    if (!doc) {
      try {
        doc = parsePolicyDocument(text, kind)
      } catch (err) {
        if (!KmsError.match(err, 'policy.')) throw err
        console.error(JSON.stringify({ level: 'error', event: 'stored-policy-unreadable', kind }))
        doc =
          kind === 'identity'
            ? DENY_ALL
            : parsePolicyDocument(
                JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }] }),
                'resource',
              )
      }
      this.documents.set(cacheKey, { text, doc }, now)
    }
    return doc
  }

  /** The caller's principal and identity policies (`root` for the account root). */
  async identity(caller: Caller): Promise<IdentityView> {
    const principal: PrincipalRef = {
      accountId: caller.accountId,
      arn: caller.principalArn ?? principalArn(caller.accountId, caller.principal),
      isRoot: caller.principal === ROOT_PRINCIPAL,
    }
    if (principal.isRoot) return { principal, policies: 'root' }
    if (caller.session) return this.sessionIdentity(caller, principal, caller.session)
    const key = `${caller.accountId}/${caller.principal}`
    const now = this.identities.now()
    const cached = this.identities.get(key)
    if (cached) return cached
    const user = await this.deps.iam.getUser(caller.accountId, caller.principal)
    const policies: PolicyDocument[] = []
    if (user && user.state === 'Active') {
      for (const a of await this.deps.iam.listAttachments(caller.accountId, caller.principal)) {
        if (a.policyType === 'System') {
          policies.push(systemPolicyDocument(a.policyName) ?? DENY_ALL)
          continue
        }
        const p = await this.deps.iam.getPolicy(caller.accountId, a.policyName)
        if (p && p.state === 'Active') policies.push(this.compile(`id/${p.accountId}/${p.policyName}/${p.rev}`, p.document, 'identity'))
      }
    }
    const view: IdentityView = { principal, policies }
    this.identities.set(key, view, now)
    return view
  }

  /**
   * An STS session: its role's policies (cached per role and role id like a user's) and its
   * session policy. A role that no longer exists, or was created again (another role id), ends
   * the session: `auth.securityTokenExpired`.
   */
  private async sessionIdentity(caller: Caller, principal: PrincipalRef, session: CallerSession): Promise<IdentityView> {
    const key = `${caller.accountId}/role/${session.roleName}`
    const now = this.roles.now()
    let role = this.roles.get(key)
    if (!role) {
      const record = await this.deps.iam.getRole(caller.accountId, session.roleName)
      const policies: PolicyDocument[] = []
      if (record && record.state === 'Active') {
        for (const a of await this.deps.iam.listAttachments(caller.accountId, roleAttachmentOwner(session.roleName))) {
          if (a.policyType === 'System') {
            policies.push(systemPolicyDocument(a.policyName) ?? DENY_ALL)
            continue
          }
          const p = await this.deps.iam.getPolicy(caller.accountId, a.policyName)
          if (p && p.state === 'Active') policies.push(this.compile(`id/${p.accountId}/${p.policyName}/${p.rev}`, p.document, 'identity'))
        }
      }
      role = { roleId: record && record.state === 'Active' ? record.roleId : '', policies }
      this.roles.set(key, role, now)
    }
    if (role.roleId === '' || role.roleId !== session.roleId) {
      throw new KmsError('auth.securityTokenExpired', 'The security token is no longer valid: its role no longer exists.')
    }
    if (session.policy === undefined) return { principal, policies: role.policies }
    const sessionPolicy = this.compile(`session/${toHex(sha256(utf8(session.policy)))}`, session.policy, 'identity')
    return { principal, policies: role.policies, session: sessionPolicy }
  }

  /** Owner, tags and policy of a key id (any account), or `exists: false`. */
  async key(keyId: string): Promise<KeyView> {
    const now = this.keyViews.now()
    const cached = this.keyViews.get(keyId)
    if (cached) return cached
    const [key, stored] = await Promise.all([this.deps.keys.get(keyId), this.deps.iam.getResourcePolicy({ kind: 'key', keyId })])
    let view: KeyView
    if (!key || key.keyState === 'Deleted') {
      view = { exists: false, tags: {} }
    } else {
      const policy = stored ? this.compile(`key/${keyId}/${stored.rev}`, stored.document, 'resource') : this.defaultPolicy(key.accountId)
      view = { exists: true, accountId: key.accountId, region: key.region, tags: { ...key.tags }, policy }
    }
    this.keyViews.set(keyId, view, now)
    return view
  }

  /**
   * The policy of the secret of that name as it exists now: its own stored policy, else the
   * default one of `accountId` — also when no such secret exists (so a denial reads the same for
   * existing and missing secrets, and comes before "not found"). Never the policy of an earlier
   * secret of the same name.
   * @throws KmsError store.unavailable
   */
  async secretPolicy(accountId: string, region: string, secretName: string): Promise<PolicyDocument> {
    const head = await this.deps.secrets.getHead(accountId, region, secretName)
    if (!head || head.state === 'Deleted') return this.defaultPolicy(accountId)
    const key = `${accountId}/${region}/${secretName}/${head.uid ?? '-'}`
    const now = this.secretPolicies.now()
    const cached = this.secretPolicies.get(key)
    if (cached) return cached
    const stored = await storedSecretPolicy(this.deps.iam, head)
    let policy = this.defaultPolicy(accountId)
    if (stored) {
      const compiled = this.compile(`secret/${key}/${stored.rev}`, stored.document, 'resource')
      policy = stored.denyOnly
        ? { kind: 'resource', statements: [...policy.statements, ...compiled.statements.filter((s) => s.effect === 'Deny')] }
        : compiled
    }
    this.secretPolicies.set(key, policy, now)
    return policy
  }

  /** The default key and secret policy of an account (delegation to its RAM policies). */
  defaultPolicy(accountId: string): PolicyDocument {
    return this.compile(`default/${accountId}`, defaultResourcePolicyText(accountId), 'resource')
  }

  // The AccessInvalidation port: called by the repositories of deps after each write of the
  // items these views derive from (core/store/invalidating.ts), not by handlers.

  /** Drops cached identities and roles of an account (after a RAM change in it). */
  forgetAccount(accountId: string): void {
    this.identities.deleteWhere((k) => k.startsWith(`${accountId}/`))
    this.roles.deleteWhere((k) => k.startsWith(`${accountId}/`))
  }

  /** Drops a key's view (after a write of its item or of its key policy). */
  forgetKey(keyId: string): void {
    this.keyViews.delete(keyId)
  }

  /** Drops a secret's policy, for every creation of that name (after a write of its policy). */
  forgetSecret(accountId: string, region: string, secretName: string): void {
    const prefix = `${accountId}/${region}/${secretName}/`
    this.secretPolicies.deleteWhere((k) => k.startsWith(prefix))
  }
}
