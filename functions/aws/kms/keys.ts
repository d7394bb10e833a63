/**
 * @module functions/aws/kms/keys
 *
 * TrentService key management: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
 * UpdateKeyDescription, ScheduleKeyDeletion, CancelKeyDeletion, over the Alibaba descriptors.
 * `KeyMetadata` is AWS's (names.ts). ListKeys pages with `Marker` = the next page number.
 * ScheduleKeyDeletion: AWS's default window is 30 days; the range is the core's (7–366).
 *
 * CreateKey with `Origin: EXTERNAL_KEY_STORE`, `CustomKeyStoreId` and `XksKeyId` makes an
 * external key (core createExternalKey, through the Alibaba CreateKey's external path):
 * SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT only, no `Tags` or `Policy` at creation (refused, never
 * dropped: set them afterwards). DescribeKey (and CreateKey) of such a key adds
 * `CustomKeyStoreId` and `XksKeyConfiguration: {Id}`. `AWS_CLOUDHSM` keys are not offered.
 */
import { keyTarget } from '../../../core/domain/targets'
import { KmsError, invalidParameter, missingParameter } from '../../../core/errors'
import type { ActionContext } from '../../alibaba/context'
import { withExternal } from '../../alibaba/actions/key-stores/external'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, bool, list, num, params, str, type AwsCallContext, type Json, type JsonObject } from '../action'
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
    const spec = str(body, 'KeySpec') ?? str(body, 'CustomerMasterKeySpec')
    const origin = str(body, 'Origin')
    if (origin === 'AWS_CLOUDHSM') {
      throw new KmsError(
        'key.unsupportedOperation',
        'Origin AWS_CLOUDHSM is not supported by this service (HSM-backed keys are ProtectionLevel HSM keys); use EXTERNAL_KEY_STORE for a custom key store.',
      )
    }
    if (origin === 'EXTERNAL_KEY_STORE') return externalKeyParams(body, spec)
    for (const f of ['CustomKeyStoreId', 'XksKeyId']) {
      if (str(body, f) !== undefined) throw invalidParameter(f, 'is only valid with Origin EXTERNAL_KEY_STORE.')
    }
    return params({
      KeySpec: fromAws(KEY_SPECS, 'KeySpec', spec),
      KeyUsage: fromAws(KEY_USAGES, 'KeyUsage', str(body, 'KeyUsage')),
      Origin: fromAws(ORIGINS, 'Origin', str(body, 'Origin')),
      Description: str(body, 'Description'),
      Tags: tagsJson(body),
      Policy: str(body, 'Policy'),
    })
  },
  response: (out, call, _body, ctx) => keyMetadataOut(out, call, ctx),
})

/** CreateKey's parameters for an external key (the Alibaba CreateKey's external path reads them). */
function externalKeyParams(body: JsonObject, spec: string | undefined): Record<string, string> {
  const storeId = str(body, 'CustomKeyStoreId')
  if (storeId === undefined) throw missingParameter('CustomKeyStoreId')
  const xksKeyId = str(body, 'XksKeyId')
  if (xksKeyId === undefined) throw missingParameter('XksKeyId')
  if (spec !== undefined && spec !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError('key.unsupportedSpec', 'A key in an external key store must be SYMMETRIC_DEFAULT.')
  }
  const usage = str(body, 'KeyUsage')
  if (usage !== undefined && usage !== 'ENCRYPT_DECRYPT') {
    throw invalidParameter('KeyUsage', 'must be ENCRYPT_DECRYPT for a key in an external key store.')
  }
  for (const f of ['Tags', 'Policy']) {
    if (body[f] !== undefined && body[f] !== null) {
      throw new KmsError(
        'key.unsupportedOperation',
        `${f} at creation is not supported for a key in an external key store; set it after CreateKey (${f === 'Tags' ? 'TagResource' : 'PutKeyPolicy'}).`,
      )
    }
  }
  return params({
    Origin: 'EXTERNAL_KEY_STORE',
    KeyStoreId: storeId,
    XksKeyId: xksKeyId,
    KeySpec: spec === undefined ? undefined : 'Aliyun_AES_256',
    KeyUsage: usage === undefined ? undefined : 'ENCRYPT/DECRYPT',
    Description: str(body, 'Description'),
  })
}

/** AWS `KeyMetadata`, with `CustomKeyStoreId` and `XksKeyConfiguration` for an external key. */
async function keyMetadataOut(out: Record<string, unknown>, call: AwsCallContext, ctx: ActionContext): Promise<JsonObject> {
  const meta = out.KeyMetadata as Record<string, string>
  const aws = awsKeyMetadata(meta, call.region, call.accountId)
  if (meta.Origin !== 'EXTERNAL_KEY_STORE' || !meta.KeyId) return { KeyMetadata: aws }
  const binding = await withExternal(ctx.deps, ctx.env).externalKeyStores?.getBinding(meta.KeyId)
  if (!binding) return { KeyMetadata: aws }
  return { KeyMetadata: { ...aws, CustomKeyStoreId: binding.keyStoreId, XksKeyConfiguration: { Id: binding.externalKeyId } } }
}

export const DescribeKey = awsAction({
  service: 'kms',
  name: 'DescribeKey',
  via: alibaba('DescribeKey'),
  request: (body) => params({ KeyId: keyId(body) }),
  response: (out, call, _body, ctx) => keyMetadataOut(out, call, ctx),
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
