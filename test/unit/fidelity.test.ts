/**
 * Adapter-level pieces of the Alibaba fidelity work: the repeated-parameter forms of the batch tag
 * actions, the retry contract of the secrets clients (codes and statuses), and store throttling.
 */
import { describe, expect, it } from 'vitest'
import { guard } from '../../core/store/common'
import { KmsError } from '../../core/errors'
import { alibabaError } from '../../functions/alibaba/errors'
import { Params, tagTargets } from '../../functions/alibaba/params'

const params = (entries: Record<string, string>) => new Params(new Map(Object.entries(entries)))

function failure(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof KmsError) return `${err.code} ${err.details?.parameter}`
    throw err
  }
  return 'ok'
}

describe('batch tag parameters', () => {
  it('reads ResourceId as a JSON array or numbered, in order', () => {
    expect(params({ ResourceId: '["a","b"]' }).repeatedStrings('ResourceId', 50)).toEqual(['a', 'b'])
    expect(params({ 'ResourceId.2': 'b', 'ResourceId.10': 'c', 'ResourceId.1': 'a' }).repeatedStrings('ResourceId', 50)).toEqual([
      'a',
      'b',
      'c',
    ])
    expect(failure(() => params({ ResourceId: '["a"]', 'ResourceId.1': 'a' }).repeatedStrings('ResourceId', 50))).toBe(
      'validation.invalidParameter ResourceId',
    )
    expect(failure(() => params({ 'ResourceId.x': 'a' }).repeatedStrings('ResourceId', 50))).toBe('validation.invalidParameter ResourceId')
    expect(failure(() => params({ ResourceId: '[1]' }).repeatedStrings('ResourceId', 50))).toBe('validation.invalidParameter ResourceId')
  })

  it('reads Tag as JSON [{Key, Value}] or Tag.N.Key / Tag.N.Value', () => {
    const want = [
      { TagKey: 'env', TagValue: 'dev' },
      { TagKey: 'team', TagValue: '' },
    ]
    expect(params({ Tag: '[{"Key":"env","Value":"dev"},{"Key":"team"}]' }).repeatedTags('Tag')).toEqual(want)
    expect(params({ 'Tag.1.Key': 'env', 'Tag.1.Value': 'dev', 'Tag.2.Key': 'team' }).repeatedTags('Tag')).toEqual(want)
    expect(failure(() => params({ 'Tag.1.Nope': 'x' }).repeatedTags('Tag'))).toBe('validation.invalidParameter Tag')
    expect(failure(() => params({ 'Tag.1.Value': 'x' }).repeatedTags('Tag'))).toBe('validation.invalidParameter Tag')
  })

  it('takes 1 to 50 resources of type key or secret, keys by id or ARN only', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `id-${i}`)
    expect(tagTargets(params({ ResourceType: 'key', ResourceId: JSON.stringify(ids) })).resourceIds).toHaveLength(50)
    expect(tagTargets(params({ ResourceType: 'Secret', 'ResourceId.1': 's' }))).toEqual({ resourceType: 'secret', resourceIds: ['s'] })
    expect(failure(() => tagTargets(params({ ResourceType: 'key', ResourceId: JSON.stringify([...ids, 'x']) })))).toBe(
      'validation.invalidParameter ResourceId',
    )
    expect(failure(() => tagTargets(params({ ResourceType: 'key' })))).toBe('validation.missingParameter ResourceId')
    expect(failure(() => tagTargets(params({ ResourceType: 'alias', ResourceId: '["a"]' })))).toBe(
      'validation.invalidParameter ResourceType',
    )
    expect(failure(() => tagTargets(params({ ResourceType: 'key', ResourceId: '["alias/x"]' })))).toBe(
      'validation.invalidParameter ResourceId',
    )
  })
})

describe('the secrets clients retry contract', () => {
  it('maps throttling, a temporary outage and an internal failure to the codes the clients retry', () => {
    expect(alibabaError('request.throttled')).toEqual({ status: 429, code: 'Rejected.Throttling' })
    expect(alibabaError('store.unavailable')).toEqual({ status: 503, code: 'ServiceUnavailableTemporary' })
    expect(alibabaError('hsm.unavailable')).toEqual({ status: 503, code: 'ServiceUnavailableTemporary' })
    expect(alibabaError('internal')).toEqual({ status: 500, code: 'InternalFailure' })
  })

  it('turns store throttling that outlasted the retries into request.throttled, other failures into store.unavailable', async () => {
    const fail = (name: string) =>
      guard('x', async () => {
        throw Object.assign(new Error('slow down'), { name })
      })
    for (const name of ['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']) {
      await expect(fail(name)).rejects.toMatchObject({ code: 'request.throttled' })
    }
    await expect(fail('InternalServerError')).rejects.toMatchObject({ code: 'store.unavailable' })
  })
})
