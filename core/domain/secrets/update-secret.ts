/**
 * @module core/domain/secrets/update-secret
 *
 * UpdateSecret: the description of a generic secret (generic secrets have no extended
 * configuration). One conditional write; an unchanged description writes nothing.
 */
import { invalidParameter } from '../../errors'
import { isoSeconds } from '../keys/common'
import type { Caller } from '../model'
import type { SecretDeps } from '../ports'
import { mutateSecret } from './common'
import type { ExtendedConfig } from './extended-config'
import { MAX_DESCRIPTION_LENGTH, type SecretRecord } from './model'

/** @throws KmsError validation.*, secret.notFound, secret.invalidState, concurrency.conflict */
export async function updateSecret(
  deps: Pick<SecretDeps, 'secrets' | 'clock'>,
  caller: Caller,
  secretName: string,
  input: { description?: string; extendedConfig?: ExtendedConfig },
): Promise<SecretRecord> {
  if (input.extendedConfig !== undefined) {
    // Alibaba: ExtendedConfig "is unavailable for generic secrets" (the only type served here).
    throw invalidParameter('ExtendedConfig', 'generic secrets have no extended configuration.')
  }
  const description = input.description
  if (description !== undefined && description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalidParameter('Description', `must be at most ${MAX_DESCRIPTION_LENGTH} characters.`)
  }
  return mutateSecret(deps, caller, secretName, 'refuse', (head, now) => {
    if (description === undefined || head.description === description) return undefined
    return { ...head, description, updatedAt: isoSeconds(now) }
  })
}
