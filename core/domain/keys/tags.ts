/**
 * @module core/domain/keys/tags
 *
 * Tag rules shared by keys (and later secrets): Alibaba allows at most 20 tags per resource; tag
 * keys are 1–128 characters and may not start with `aliyun` or `acs:`; values are 0–256
 * characters; no control characters.
 */
import { KmsError, invalidParameter } from '../../errors'

export const MAX_TAGS_PER_RESOURCE = 20

export interface Tag {
  TagKey: string
  TagValue: string
}

const CONTROL = /[\u0000-\u001f\u007f]/

/** A null-prototype copy of a tag map (assignment of any key, even `__proto__`, is plain data). */
export function tagMap(tags: Record<string, string> = {}): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, tags)
}

/** @throws KmsError validation.invalidParameter */
export function assertTag(tag: Tag, parameter = 'Tags'): void {
  const { TagKey: key, TagValue: value } = tag
  if (typeof key !== 'string' || key.length < 1 || key.length > 128 || CONTROL.test(key)) {
    throw invalidParameter(parameter, 'each TagKey must be 1 to 128 characters without control characters.')
  }
  const lower = key.toLowerCase()
  if (lower.startsWith('aliyun') || lower.startsWith('acs:')) {
    throw invalidParameter(parameter, 'a TagKey may not start with "aliyun" or "acs:".')
  }
  if (typeof value !== 'string' || value.length > 256 || CONTROL.test(value)) {
    throw invalidParameter(parameter, 'each TagValue must be at most 256 characters without control characters.')
  }
}

/**
 * Applies new tags to an existing tag map (same key overwrites).
 * @throws KmsError validation.invalidParameter, limit.exceeded
 */
export function mergeTags(existing: Record<string, string>, tags: Tag[], parameter = 'Tags'): Record<string, string> {
  // A null-prototype map: a tag named `__proto__` or `constructor` is just a tag.
  const next = tagMap(existing)
  for (const tag of tags) {
    assertTag(tag, parameter)
    next[tag.TagKey] = tag.TagValue
  }
  if (Object.keys(next).length > MAX_TAGS_PER_RESOURCE) {
    throw new KmsError('limit.exceeded', `A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`)
  }
  return next
}
