/**
 * @module functions/aws/kms/paging
 *
 * AWS's `Limit` / `Marker` over a list the core returns whole (aliases, tags, key rotations):
 * `Marker` is the index of the next item, as this service issued it in `NextMarker`; anything
 * else is InvalidMarkerException.
 */
import { KmsError, invalidParameter } from '../../../core/errors'
import { num, str, type Json, type JsonObject } from '../action'

/** One page of `items` for the request's `Limit` (1–`max`, default `max`) and `Marker`. */
export function pageOfList<T extends Json>(
  items: readonly T[],
  body: JsonObject,
  max = 100,
): { page: T[]; Truncated: boolean; NextMarker?: string } {
  const limit = num(body, 'Limit')
  if (limit !== undefined && (limit < 1 || limit > 1000)) throw invalidParameter('Limit', 'must be between 1 and 1000.')
  const marker = str(body, 'Marker')
  if (marker !== undefined && !/^(0|[1-9]\d{0,5})$/.test(marker))
    throw new KmsError('trail.invalidToken', 'The Marker is not one this service issued.')
  const start = marker === undefined ? 0 : Number(marker)
  const end = start + Math.min(limit ?? max, max)
  const page = items.slice(start, end)
  return end < items.length ? { page, Truncated: true, NextMarker: String(end) } : { page, Truncated: false }
}
