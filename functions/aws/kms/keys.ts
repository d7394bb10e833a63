/**
 * @module functions/aws/kms/keys
 *
 * TrentService key management: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
 * UpdateKeyDescription, ScheduleKeyDeletion, CancelKeyDeletion, over the Alibaba descriptors.
 * `KeyMetadata` is AWS's (names.ts). ListKeys pages with `Marker` = the next page number.
 * ScheduleKeyDeletion: AWS's default window is 30 days; the range is the core's (7–366).
 */
import { keyTarget } from '../../../core/domain/targets'
import { KmsError, invalidParameter } from '../../../core/errors'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, bool, list, num, params, str, type Json, type JsonObject } from '../action'
import { KEY_SPECS, KEY_USAGES, ORIGINS, awsKeyMetadata, fromAws } from './names'
import { alibaba } from './via'

function keyId(body: JsonObject, field = 'KeyId'): string | undefined {
  const v = str(body, field)
  return v === undefined ? undefined : keyRefFromAws(v)
}

/** AWS `Tags: [{TagKey, TagValue}]` → the core's JSON tag list. */
export function tagsJson(body: JsonObject, field = 'Tags'): string | undefined {
  const tags = list(body, field)
  if (tags === undefined) return undefined
  return JSON.stringify(
    tags.map((t) => {
      const tag = t as { TagKey?: Json; TagValue?: Json }
      if (typeof t !== 'object' || t === null || typeof tag.TagKey !== 'string' || typeof (tag.TagValue ?? '') !== 'string') {
        throw invalidParameter(field, 'each tag must be {"TagKey": string, "TagValue": string}.')
      }
      return { TagKey: tag.TagKey, TagValue: tag.TagValue ?? '' }
    }),
  )
}

export const CreateKey = awsAction({
  service: 'kms',
  name: 'CreateKey',
  via: alibaba('CreateKey'),
  request(body) {
    if (bool(body, 'MultiRegion')) throw new KmsError('key.unsupportedOperation', 'Multi-Region keys are not supported by this service.')
    if (str(body, 'CustomKeyStoreId') !== undefined)
      throw new KmsError(
        'key.unsupportedOperation',
        'CustomKeyStoreId is not supported here; create external keys through CreateExternalKeyStore.',
      )
    const spec = str(body, 'KeySpec') ?? str(body, 'CustomerMasterKeySpec')
    return params({
      KeySpec: fromAws(KEY_SPECS, 'KeySpec', spec),
      KeyUsage: fromAws(KEY_USAGES, 'KeyUsage', str(body, 'KeyUsage')),
      Origin: fromAws(ORIGINS, 'Origin', str(body, 'Origin')),
      Description: str(body, 'Description'),
      Tags: tagsJson(body),
      Policy: str(body, 'Policy'),
    })
  },
  response: (out, call) => ({ KeyMetadata: awsKeyMetadata(out.KeyMetadata as Record<string, string>, call.region, call.accountId) }),
})

export const DescribeKey = awsAction({
  service: 'kms',
  name: 'DescribeKey',
  via: alibaba('DescribeKey'),
  request: (body) => params({ KeyId: keyId(body) }),
  response: (out, call) => ({ KeyMetadata: awsKeyMetadata(out.KeyMetadata as Record<string, string>, call.region, call.accountId) }),
})

/** AWS `Limit` (1–1000) and `Marker` (a page number we issued) → PageSize/PageNumber (≤ 100). */
export function pageOf(body: JsonObject): { PageNumber: number; PageSize: number } {
  const limit = num(body, 'Limit')
  if (limit !== undefined && (limit < 1 || limit > 1000)) throw invalidParameter('Limit', 'must be between 1 and 1000.')
  const marker = str(body, 'Marker')
  if (marker !== undefined && !/^[1-9]\d{0,5}$/.test(marker))
    throw new KmsError('trail.invalidToken', 'The Marker is not one this service issued.')
  return { PageNumber: marker ? Number(marker) : 1, PageSize: Math.min(limit ?? 100, 100) }
}

export function nextMarker(out: Record<string, unknown>): { Truncated: boolean; NextMarker?: string } {
  const page = Number(out.PageNumber)
  const size = Number(out.PageSize)
  const total = Number(out.TotalCount)
  return page * size < total ? { Truncated: true, NextMarker: String(page + 1) } : { Truncated: false }
}

export const ListKeys = awsAction({
  service: 'kms',
  name: 'ListKeys',
  via: alibaba('ListKeys'),
  request: (body) => params(pageOf(body)),
  response(out, call) {
    const keys = ((out.Keys as { Key?: Array<{ KeyId: string }> })?.Key ?? []).map((k) => ({
      KeyId: k.KeyId,
      KeyArn: awsKeyArn(call.region, call.accountId, k.KeyId),
    }))
    return { Keys: keys, ...nextMarker(out) }
  },
})

function keyOnly(name: string) {
  return awsAction({
    service: 'kms',
    name,
    via: alibaba(name),
    request: (body) => params({ KeyId: keyId(body) }),
    response: () => ({}),
  })
}

export const EnableKey = keyOnly('EnableKey')
export const DisableKey = keyOnly('DisableKey')

export const CancelKeyDeletion = awsAction({
  service: 'kms',
  name: 'CancelKeyDeletion',
  via: alibaba('CancelKeyDeletion'),
  request: (body) => params({ KeyId: keyId(body) }),
  // The core answers nothing; the key is the one authorisation resolved (an alias names its key).
  response: (_out, call, _body, ctx) => ({ KeyId: awsKeyArn(call.region, call.accountId, keyTarget(ctx.targets).keyId) }),
})

export const UpdateKeyDescription = awsAction({
  service: 'kms',
  name: 'UpdateKeyDescription',
  via: alibaba('UpdateKeyDescription'),
  request: (body) => params({ KeyId: keyId(body), Description: str(body, 'Description') }),
  response: () => ({}),
})

export const ScheduleKeyDeletion = awsAction({
  service: 'kms',
  name: 'ScheduleKeyDeletion',
  via: alibaba('ScheduleKeyDeletion'),
  request: (body) => params({ KeyId: keyId(body), PendingWindowInDays: num(body, 'PendingWindowInDays') ?? 30 }),
  response(_out, call, body, ctx) {
    const days = num(body, 'PendingWindowInDays') ?? 30
    return {
      KeyId: awsKeyArn(call.region, call.accountId, keyTarget(ctx.targets).keyId),
      KeyState: 'PendingDeletion',
      PendingWindowInDays: days,
      DeletionDate: Math.floor(Date.now() / 1000) + days * 86_400,
    }
  },
})
