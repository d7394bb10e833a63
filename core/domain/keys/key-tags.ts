/**
 * @module core/domain/keys/key-tags
 *
 * TagResource, UntagResource and ListResourceTags for keys. Tags live on the key item, so a tag
 * change is one conditional write together with the key's revision.
 */
import { invalidParameter } from '../../errors'
import type { Caller, KeyRecord } from '../model'
import type { KeyDeps } from '../ports'
import { assertKeyState, mutateKey, resolveKey } from './common'
import { assertUserManaged } from './key-lifecycle'
import { mergeTags, tagMap, type Tag } from './tags'

type Deps = Pick<KeyDeps, 'keys' | 'aliases' | 'clock'>

export function tagKey(deps: Deps, caller: Caller, keyId: string, tags: Tag[]): Promise<KeyRecord> {
  if (tags.length === 0) throw invalidParameter('Tags', 'at least one tag is required.')
  return mutateKey(deps, caller, keyId, 'TagResource', (key) => {
    assertUserManaged(key)
    const next = mergeTags(key.tags, tags)
    if (JSON.stringify(next) === JSON.stringify(key.tags)) return undefined
    return { ...key, tags: next }
  })
}

export function untagKey(deps: Deps, caller: Caller, keyId: string, tagKeys: string[]): Promise<KeyRecord> {
  if (tagKeys.length === 0) throw invalidParameter('TagKeys', 'at least one tag key is required.')
  return mutateKey(deps, caller, keyId, 'UntagResource', (key) => {
    assertUserManaged(key)
    const next = tagMap(key.tags)
    let changed = false
    for (const k of tagKeys) {
      if (Object.hasOwn(next, k)) {
        delete next[k]
        changed = true
      }
    }
    return changed ? { ...key, tags: next } : undefined
  })
}

export async function listKeyTags(deps: Deps, caller: Caller, keyId: string): Promise<{ key: KeyRecord; tags: Tag[] }> {
  const key = await resolveKey(deps, caller, keyId)
  assertKeyState('ListResourceTags', key)
  const tags = Object.entries(key.tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([TagKey, TagValue]) => ({ TagKey, TagValue }))
  return { key, tags }
}
