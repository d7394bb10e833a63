/**
 * @module core/domain/secrets/list-secret-version-ids
 *
 * ListSecretVersionIds: the committed versions of a secret, newest first; versions without a
 * label (deprecated) only with `IncludeDeprecated`.
 */
import type { Caller } from '../model'
import type { SecretDeps } from '../ports'
import { loadSecret } from './common'
import type { SecretRecord } from './model'
import { stagesOf } from './stages'

export interface VersionListing {
  versionId: string
  createdAt: string
  stages: string[]
}

/** @throws KmsError validation.*, secret.notFound */
export async function listSecretVersionIds(
  deps: Pick<SecretDeps, 'secrets'>,
  caller: Caller,
  secretName: string,
  includeDeprecated: boolean,
): Promise<{ secret: SecretRecord; versions: VersionListing[] }> {
  const secret = await loadSecret(deps, caller, secretName, 'allow')
  const versions = [...secret.versions]
    .reverse()
    .map((v) => ({ ...v, stages: stagesOf(secret, v.versionId) }))
    .filter((v) => includeDeprecated || v.stages.length > 0)
  return { secret, versions }
}
