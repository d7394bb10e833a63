/**
 * @module core/domain/principals/deps
 *
 * What the principal and policy operations use, and the small helpers they share.
 */
import type { RandomSource } from '../../crypto/random'
import type { RootKeyRing } from '../../crypto/root-key'
import { KmsError } from '../../errors'
import { ConditionFailed, type Clock, type CredentialRepository, type IamRepository } from '../ports'

export interface PrincipalDeps {
  iam: IamRepository
  credentials: CredentialRepository
  clock: Clock
  random: RandomSource
  rootKeys: RootKeyRing
}

/** ISO-8601 UTC, second precision (Alibaba's `CreateDate` format). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

// AccessKey ids, secrets and principal ids: one generator for every caller.
export { randomString } from '../../crypto/random'

const MAX_ATTEMPTS = 16

/** Jittered backoff after a lost race (≤ ~50 ms). */
export function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)))
}

export { MAX_ATTEMPTS }

/**
 * A conditional write of a user, role or policy record; another writer's change in between is
 * `concurrency.conflict` naming what was modified.
 *
 * @throws KmsError concurrency.conflict, or what the write throws otherwise
 */
export async function replaceOrConflict(what: 'user' | 'role' | 'policy', write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (err) {
    if (err instanceof ConditionFailed)
      throw new KmsError('concurrency.conflict', `The ${what} was modified concurrently. Retry the request.`)
    throw err
  }
}
