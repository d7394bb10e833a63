/**
 * @module core/domain/keys/list-keys
 *
 * ListKeys with Alibaba's `Filters` (KeyState, KeySpec, KeyUsage, ProtectionLevel, CreatorType)
 * and page-number pagination. Deleted keys are never listed.
 */
import { invalidParameter } from '../../errors'
import type { Caller, KeyRecord } from '../model'
import type { KeyDeps } from '../ports'

export interface KeyFilter {
  Key: string
  Values: string[]
}

const FILTER_FIELDS: Record<string, (k: KeyRecord) => string> = {
  KeyState: (k) => k.keyState,
  KeySpec: (k) => k.keySpec,
  KeyUsage: (k) => k.keyUsage,
  ProtectionLevel: (k) => k.protectionLevel,
  CreatorType: (k) => k.creatorType,
  // KMS 3.0: the keys of one instance (`shared` names the keys outside any instance).
  DKMSInstanceId: (k) => k.instanceId,
}

export interface PageInput {
  pageNumber: number
  pageSize: number
}

/** @throws KmsError validation.invalidParameter for unknown filter keys */
export async function listKeys(
  deps: Pick<KeyDeps, 'keys'>,
  caller: Caller,
  filters: KeyFilter[],
  page: PageInput,
): Promise<{ keys: KeyRecord[]; totalCount: number }> {
  for (const f of filters) {
    if (!Object.hasOwn(FILTER_FIELDS, f.Key))
      throw invalidParameter('Filters', `unknown filter key; use one of ${Object.keys(FILTER_FIELDS).join(', ')}.`)
  }
  const all = (await deps.keys.listByAccount(caller.accountId, caller.region)).filter(
    (k) => k.keyState !== 'Deleted' && filters.every((f) => f.Values.includes(FILTER_FIELDS[f.Key]!(k))),
  )
  const start = (page.pageNumber - 1) * page.pageSize
  return { keys: all.slice(start, start + page.pageSize), totalCount: all.length }
}
