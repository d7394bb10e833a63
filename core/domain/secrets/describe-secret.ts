/**
 * @module core/domain/secrets/describe-secret
 *
 * DescribeSecret: the metadata of one secret (never its value), also while pending deletion.
 */
import type { Caller } from '../model'
import type { SecretDeps } from '../ports'
import { loadSecret } from './common'
import type { SecretRecord } from './model'

/** @throws KmsError validation.*, auth.forbidden, secret.notFound */
export async function describeSecret(deps: Pick<SecretDeps, 'secrets'>, caller: Caller, secretName: string): Promise<SecretRecord> {
  return loadSecret(deps, caller, secretName, 'allow')
}
