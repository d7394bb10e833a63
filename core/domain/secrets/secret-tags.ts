/**
 * @module core/domain/secrets/secret-tags
 *
 * TagResource, UntagResource and ListResourceTags for secrets (`SecretName` instead of `KeyId`).
 * Tags live on the head, so a tag change is one conditional write; the rules are the keys' rules
 * (core/domain/keys/tags.ts).
 */
import { invalidParameter } from '../../errors'
import { mergeTags, tagMap, type Tag } from '../keys/tags'
import type { Caller } from '../model'
import type { SecretDeps } from '../ports'
import { loadSecret, mutateSecret } from './common'
import type { SecretRecord } from './model'

type Deps = Pick<SecretDeps, 'secrets' | 'clock'>

/** @throws KmsError validation.*, limit.exceeded, secret.notFound, secret.invalidState */
export async function tagSecret(deps: Deps, caller: Caller, secretName: string, tags: Tag[]): Promise<SecretRecord> {
  if (tags.length === 0) throw invalidParameter('Tags', 'at least one tag is required.')
  return mutateSecret(deps, caller, secretName, 'refuse', (head) => {
    const next = mergeTags(head.tags, tags)
    if (JSON.stringify(next) === JSON.stringify(head.tags)) return undefined
    return { ...head, tags: next }
  })
}

/** @throws KmsError validation.*, secret.notFound, secret.invalidState */
export async function untagSecret(deps: Deps, caller: Caller, secretName: string, tagKeys: string[]): Promise<SecretRecord> {
  if (tagKeys.length === 0) throw invalidParameter('TagKeys', 'at least one tag key is required.')
  return mutateSecret(deps, caller, secretName, 'refuse', (head) => {
    const next = tagMap(head.tags)
    let changed = false
    for (const k of tagKeys) {
      if (Object.hasOwn(next, k)) {
        delete next[k]
        changed = true
      }
    }
    return changed ? { ...head, tags: next } : undefined
  })
}

export function sortedTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([TagKey, TagValue]) => ({ TagKey, TagValue }))
}

/** @throws KmsError validation.*, secret.notFound */
export async function listSecretTags(deps: Pick<SecretDeps, 'secrets'>, caller: Caller, secretName: string): Promise<Tag[]> {
  const head = await loadSecret(deps, caller, secretName, 'allow')
  return sortedTags(head.tags)
}
