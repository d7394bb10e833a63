/**
 * @module core/domain/targets/model
 *
 * What authorisation resolved for one call, handed to its handler and the domain operations so
 * that nothing is parsed, looked up or decided twice (core/domain/targets/resolve.ts builds it).
 * It is typed data, never request parameters: no client input can be mistaken for it.
 */
import { KmsError } from '../../errors'
import type { Caller } from '../model'
import type { Owner } from './parse'

/**
 * A key as authorisation judged it: its id and the account and region it was authorised in (the
 * caller's, or another account's for cross-account use). The domain loads it by id and refuses
 * it (not found) unless it is still there; an alias was resolved to this id once, at
 * authorisation, and is never looked up again.
 */
export interface KeyTarget extends Owner {
  keyId: string
  /** The alias the request named the key by, when it did. */
  aliasName?: string
}

/** The key of a ciphertext blob (Decrypt, ReEncrypt's source, ExportDataKey). */
export interface BlobKeyTarget extends KeyTarget {
  versionId: string
}

export interface ResolvedTargets {
  /** Each key parameter (KeyId, DestinationKeyId, SourceKeyId, EncryptionKeyId…) as resolved. */
  readonly keys: Readonly<Record<string, KeyTarget>>
  /** The key named inside the request's ciphertext blob, when it names one. */
  readonly blob?: BlobKeyTarget
  /** UpdateAlias / DeleteAlias: the key the alias pointed at when the call was authorised. */
  readonly aliasKeyId?: string
  /**
   * Per secret (`<account>/<region>/<name>`), the customer CMK authorised on it; `''` when none
   * was needed (missing secret, default CMK or secrets service key).
   */
  readonly secretKeys: Readonly<Record<string, string>>
  /** The outcome of each probe (PermissionCheck.probe): every check of that name allowed. */
  readonly probes: Readonly<Record<string, boolean>>
  /**
   * The account whose key or secret the call uses: the caller's own, or the owner's when both
   * policies allowed cross-account use. A ReEncrypt across two accounts has its destination
   * key's account here and its source in `blob`.
   */
  readonly accountId: string
}

/** No targets: a call that names no key or secret (or a test driving a handler directly). */
export function noTargets(caller: Pick<Caller, 'accountId'>): ResolvedTargets {
  return { keys: {}, secretKeys: {}, probes: {}, accountId: caller.accountId }
}

/**
 * The key a parameter named, as authorised.
 * @throws KmsError internal when authorisation resolved no key for it (a descriptor whose
 *   permission does not name the parameter)
 */
export function keyTarget(targets: ResolvedTargets, parameter = 'KeyId'): KeyTarget {
  const key = Object.hasOwn(targets.keys, parameter) ? targets.keys[parameter] : undefined
  if (!key) throw new KmsError('internal', `The parameter ${parameter} was not resolved at authorisation.`)
  return key
}

/** The optional key parameter, as authorised (undefined when absent from the request). */
export function optionalKeyTarget(targets: ResolvedTargets, parameter: string): KeyTarget | undefined {
  return Object.hasOwn(targets.keys, parameter) ? targets.keys[parameter] : undefined
}

/** The id under which {@link ResolvedTargets.secretKeys} records a secret. */
export function secretTargetId(secret: Owner & { secretName: string }): string {
  return `${secret.accountId}/${secret.region}/${secret.secretName}`
}
