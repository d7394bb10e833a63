/**
 * @module core/domain/targets/resolve
 *
 * Loads, once per request, what authorisation judges and the handler then acts on: a key's
 * policy view (owner, tags, policy), an alias's key, a secret's head (its CMK), a blob's key.
 * Each lookup yields the resources to evaluate ({@link ResourceTarget}, judged by
 * core/domain/policy/evaluate.ts in functions/authorize.ts) and records what it resolved; the
 * call's {@link ResolvedTargets} (core/domain/targets/model.ts) is built from those records.
 *
 * Rules that keep a denial from revealing anything (functions/authorize.ts has the full list):
 * - A resource is judged by what the request names, never by what exists: an unknown key id of
 *   the caller's account is judged like any key of the account (its default policy), so "no
 *   permission" comes before "not found" and reads the same for existing and missing keys.
 * - An alias is resolved here only: the alias ARN and then the key it points at are judged, and
 *   the handler acts on that key id. An alias that does not exist is judged as "some key of the
 *   account" (`key/*`) and, once allowed, refused ({@link TargetResolver.refusal}).
 * - Another account's alias is never looked up (aliases have no resource policy: refused).
 */
import { KmsError } from '../../errors'
import type { Caller } from '../model'
import type { PolicyDocument } from '../policy/document'
import type { KeyView } from '../principals/access-control'
import type { AliasRepository, Clock, SecretRepository } from '../ports'
import { keyNotFound } from '../keys/common'
import { DEFAULT_KEY_ALIAS } from '../secrets/service-keys'
import type { BlobKeyTarget, KeyTarget, ResolvedTargets } from './model'
import { isAliasName, isKeyId, parseKeyReference, parseSecretTarget, type Owner, type SecretReference } from './parse'
import { isManagedSecretKey } from './secret-keys'

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,192}$/

/** One resource to authorise. */
export interface ResourceTarget {
  arn: string
  /** The resource's own policy; undefined for resources that have none (and unknown foreign keys). */
  policy?: PolicyDocument
  tags?: Readonly<Record<string, string>>
  /** The key id named. */
  keyId?: string
}

/** The CMK of an existing secret, as its head records it. */
export interface SecretKeyRef extends Owner {
  keyId: string
}

/** An isolate cache of secrets' CMKs (`account/region/name`), see functions/authorize.ts. */
export interface SecretKeyCache {
  get(id: string, now: number): SecretKeyRef | undefined
  set(id: string, value: SecretKeyRef, now: number): void
  delete(id: string): void
}

export interface TargetDeps {
  access: {
    key(keyId: string): Promise<KeyView>
    defaultPolicy(accountId: string): PolicyDocument
    secretPolicy(accountId: string, region: string, secretName: string): Promise<PolicyDocument>
  }
  aliases: Pick<AliasRepository, 'get'>
  secrets: Pick<SecretRepository, 'getHead'>
  clock: Clock
  /** Optional isolate cache of secrets' CMKs. */
  secretKeyCache?: SecretKeyCache
}

export function aliasNotFound(): KmsError {
  return new KmsError('alias.notFound', 'The specified Alias is not found.')
}

/** The resolution of one request (create one per call). */
export class TargetResolver {
  /** A key or alias name that resolved to nothing: the answer once the call is allowed. */
  refusal: KmsError | undefined
  /** A ciphertext named no key: the call must be refused by its handler (result withheld). */
  unresolved = false
  private readonly keys: Record<string, KeyTarget> = {}
  private blobKey: BlobKeyTarget | undefined
  private aliasKeyId: string | undefined
  private readonly secretKeys: Record<string, string> = {}
  private readonly heads = new Map<string, Promise<SecretKeyRef | undefined>>()

  constructor(
    private readonly deps: TargetDeps,
    private readonly caller: Caller,
  ) {}

  /** The key version named inside the request's ciphertext, if any. */
  get keyVersionId(): string | undefined {
    return this.blobKey?.versionId
  }

  /** "Some key of the caller's account", for a name that resolves to no key. */
  anyKey(): ResourceTarget {
    const c = this.caller
    return { arn: `acs:kms:${c.region}:${c.accountId}:key/*`, policy: this.deps.access.defaultPolicy(c.accountId) }
  }

  /**
   * A key by id in the account and region named: its own policy and tags when it exists there;
   * else the default policy of the caller's account (an unknown key of the caller's own), or no
   * policy (another account's: refused by evaluation).
   */
  async keyById(keyId: string, owner: Owner): Promise<ResourceTarget> {
    const arn = `acs:kms:${owner.region}:${owner.accountId}:key/${keyId}`
    if (isKeyId(keyId)) {
      const view = await this.deps.access.key(keyId)
      if (view.exists && view.accountId === owner.accountId && view.region === owner.region) {
        return { arn, policy: view.policy, tags: view.tags, keyId }
      }
    }
    if (owner.accountId !== this.caller.accountId) return { arn }
    return { arn, policy: this.deps.access.defaultPolicy(owner.accountId), keyId }
  }

  /**
   * A key named by id, key ARN, alias or alias ARN in `parameter`: the resources to judge (the
   * alias, then its key), recorded as that parameter's {@link KeyTarget}.
   * @throws KmsError validation.invalidParameter (malformed, ARN of another region)
   */
  async keyReference(parameter: string, value: string): Promise<ResourceTarget[]> {
    const ref = parseKeyReference(value, this.caller, parameter)
    const owner = { accountId: ref.accountId, region: ref.region }
    if (ref.kind === 'id') {
      this.keys[parameter] = { keyId: ref.keyId, ...owner }
      return [await this.keyById(ref.keyId, owner)]
    }
    const aliasTarget: ResourceTarget = { arn: `acs:kms:${ref.region}:${ref.accountId}:${ref.aliasName}` }
    // Aliases have no resource policy: another account's is refused without a lookup.
    if (ref.accountId !== this.caller.accountId) return [aliasTarget]
    if (isAliasName(ref.aliasName)) {
      const alias = await this.deps.aliases.get(ref.accountId, ref.region, ref.aliasName)
      if (alias) {
        this.keys[parameter] = { keyId: alias.keyId, ...owner, aliasName: ref.aliasName }
        return [aliasTarget, await this.keyById(alias.keyId, owner)]
      }
    }
    // Resolved once, here: the handler must not look the name up again after this decision.
    this.refusal ??= isAliasName(ref.aliasName) ? aliasNotFound() : keyNotFound()
    return [aliasTarget, this.anyKey()]
  }

  /** UpdateAlias / DeleteAlias: the key an alias (a checked name of the caller's account) points at now. */
  async aliasTarget(aliasName: string): Promise<ResourceTarget[]> {
    const c = this.caller
    const alias = await this.deps.aliases.get(c.accountId, c.region, aliasName)
    if (!alias) {
      this.refusal ??= aliasNotFound()
      return [this.anyKey()]
    }
    this.aliasKeyId = alias.keyId
    return [await this.keyById(alias.keyId, c)]
  }

  /**
   * The key inside a ciphertext, judged in the account that holds it. A blob that names no key
   * (`undefined`) cannot be decrypted by anyone: it is judged as "some key of the caller's
   * account" and the call is marked unresolved (its handler refuses it in its own order of checks).
   */
  async blob(named: { keyId: string; versionId: string } | undefined): Promise<ResourceTarget> {
    if (!named) {
      this.unresolved = true
      return this.anyKey()
    }
    const view = await this.deps.access.key(named.keyId)
    const owner: Owner = {
      accountId: view.exists && view.accountId ? view.accountId : this.caller.accountId,
      region: view.exists && view.region ? view.region : this.caller.region,
    }
    this.blobKey ??= { keyId: named.keyId, versionId: named.versionId, ...owner }
    return this.keyById(named.keyId, owner)
  }

  /** Where a secret named by name or ARN lives. */
  secretReference(parameter: string, value: string): SecretReference {
    return parseSecretTarget(value, this.caller, parameter)
  }

  /**
   * A secret named by name or ARN, with the policy of the secret of that name as it exists now
   * (the account's default policy for a missing or malformed one of the caller's account).
   */
  async secret(parameter: string, value: string, forgetCachedKey = false): Promise<ResourceTarget> {
    const { accountId, region, name } = this.secretReference(parameter, value)
    if (forgetCachedKey) this.deps.secretKeyCache?.delete(`${accountId}/${region}/${name}`)
    const arn = `acs:kms:${region}:${accountId}:secret/${name}`
    if (!SECRET_NAME.test(name)) {
      return accountId === this.caller.accountId ? { arn, policy: this.deps.access.defaultPolicy(accountId) } : { arn }
    }
    return { arn, policy: await this.deps.access.secretPolicy(accountId, region, name) }
  }

  /**
   * The customer CMK recorded on an existing secret's head (read once per request and name):
   * nothing to judge for a missing secret or one under a managed key; recorded either way.
   */
  async secretKey(parameter: string, value: string): Promise<ResourceTarget[]> {
    const { accountId, region, name } = this.secretReference(parameter, value)
    if (!SECRET_NAME.test(name)) return []
    const id = `${accountId}/${region}/${name}`
    let head = this.heads.get(id)
    if (!head) {
      const now = this.deps.clock.now()
      const cache = this.deps.secretKeyCache
      const cached = cache?.get(id, now)
      head = cached
        ? Promise.resolve(cached)
        : this.deps.secrets.getHead(accountId, region, name).then((h) => {
            if (!h || h.state === 'Deleted') return undefined
            const ref = { keyId: h.encryptionKeyId, accountId: h.accountId, region: h.region }
            cache?.set(id, ref, now)
            return ref
          })
      this.heads.set(id, head)
    }
    const found = await head
    if (!found || isManagedSecretKey(found.keyId, found.accountId, found.region)) {
      this.secretKeys[id] = ''
      return []
    }
    this.secretKeys[id] = found.keyId
    return [await this.keyById(found.keyId, found)]
  }

  /**
   * CreateSecret's `EncryptionKeyId`: nothing for the default CMK (also by its alias) or a
   * service key, else the key as {@link keyReference} resolves it.
   */
  async newSecretKey(parameter: string, value: string | undefined): Promise<ResourceTarget[]> {
    const c = this.caller
    if (!value || value === DEFAULT_KEY_ALIAS || value === `acs:kms:${c.region}:${c.accountId}:${DEFAULT_KEY_ALIAS}`) return []
    const targets = await this.keyReference(parameter, value)
    return targets.filter((t) => !(t.keyId && isManagedSecretKey(t.keyId, c.accountId, c.region)))
  }

  /**
   * What the handler receives.
   * @param accountId the account whose key or secret the call uses (see ResolvedTargets)
   */
  resolved(accountId: string, probes: Readonly<Record<string, boolean>> = {}): ResolvedTargets {
    return {
      keys: { ...this.keys },
      ...(this.blobKey ? { blob: this.blobKey } : {}),
      ...(this.aliasKeyId ? { aliasKeyId: this.aliasKeyId } : {}),
      secretKeys: { ...this.secretKeys },
      probes,
      accountId,
    }
  }
}
