/**
 * @module core/domain/targets/secret-keys
 *
 * Which CMK of a secret needs a key permission, and whether a secret read by an operation is
 * still under the CMK its caller was authorised on.
 */
import { KmsError } from '../../errors'
import type { SecretRecord } from '../secrets/model'
import { defaultKeyId, serviceKeyId } from '../secrets/service-keys'
import { secretTargetId, type ResolvedTargets } from './model'

/** The default CMK and the secrets service key: a secret under them needs no key permission. */
export function isManagedSecretKey(keyId: string, account: string, region: string): boolean {
  return keyId === serviceKeyId(account, region) || keyId === defaultKeyId(account, region)
}

/**
 * Whether `secret` is still under the CMK authorisation checked for it, or under a managed key
 * that needs no permission. False when the secret was deleted and created again under another
 * customer key after authorisation (or was authorised as missing and is now under one).
 */
export function isUnderAuthorisedKey(targets: ResolvedTargets, secret: SecretRecord): boolean {
  const id = secretTargetId(secret)
  const keyId = Object.hasOwn(targets.secretKeys, id) ? targets.secretKeys[id] : ''
  return secret.encryptionKeyId === keyId || isManagedSecretKey(secret.encryptionKeyId, secret.accountId, secret.region)
}

/** A secret found under another CMK than the one authorised. */
export function keyChangedSinceAuthorised(): KmsError {
  return new KmsError('concurrency.conflict', 'The secret was modified concurrently. Retry the request.')
}
