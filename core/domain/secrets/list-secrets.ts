/**
 * @module core/domain/secrets/list-secrets
 *
 * ListSecrets with Alibaba's `Filters`: up to 10 `{Key, Values}`; values of one key are ORed,
 * keys are ANDed; matches are exact. Secrets pending deletion are listed (with their planned
 * deletion time); tombstones are not.
 */
import { invalidParameter } from '../../errors'
import type { Caller } from '../model'
import type { SecretDeps } from '../ports'
import type { SecretRecord } from './model'

export interface SecretFilter {
  Key: string
  Values: string[]
}

const FILTER_FIELDS: Record<string, (s: SecretRecord) => string[]> = {
  SecretName: (s) => [s.secretName],
  Description: (s) => [s.description],
  TagKey: (s) => Object.keys(s.tags),
  TagValue: (s) => Object.values(s.tags),
  SecretType: (s) => [s.secretType],
  Creator: (s) => [s.creator],
  DKMSInstanceId: (s) => [s.instanceId],
}

/** @throws KmsError validation.invalidParameter for unknown filter keys */
export async function listSecrets(deps: Pick<SecretDeps, 'secrets'>, caller: Caller, filters: SecretFilter[]): Promise<SecretRecord[]> {
  for (const f of filters) {
    if (!Object.hasOwn(FILTER_FIELDS, f.Key)) {
      const known = Object.keys(FILTER_FIELDS).join(', ')
      throw invalidParameter('Filters', `unknown filter key; use one of ${known}.`)
    }
  }
  const all = await deps.secrets.listByAccount(caller.accountId, caller.region)
  return all
    .filter((s) => s.state !== 'Deleted')
    .filter((s) => filters.every((f) => FILTER_FIELDS[f.Key]!(s).some((v) => f.Values.includes(v))))
    .sort((a, b) => (a.secretName < b.secretName ? -1 : a.secretName > b.secretName ? 1 : 0))
}
