/**
 * @module functions/alibaba/actions/keys
 *
 * Key management actions: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
 * UpdateKeyDescription, ScheduleKeyDeletion, CancelKeyDeletion, SetDeletionProtection.
 */
import { createKey } from '../../../core/domain/keys/create-key'
import { createKeyWithPolicy } from '../../../core/domain/keys/create-key-with-policy'
import { createKeyInInstance } from '../../../core/domain/instances/create-in-instance'
import { assertKeyState, keyArn, resolveKey } from '../../../core/domain/keys/common'
import {
  cancelKeyDeletion,
  disableKey,
  enableKey,
  scheduleKeyDeletion,
  setDeletionProtection,
  updateKeyDescription,
} from '../../../core/domain/keys/key-lifecycle'
import { listKeys } from '../../../core/domain/keys/list-keys'
import { missingParameter } from '../../../core/errors'
import { pageParams, type ActionHandler } from '../context'
import { tagList, filterList } from '../params'
import { keyMetadata } from '../shape'
import { createExternalKeyAction } from './key-stores'


export const CreateKey: ActionHandler = async (ctx) => {
  const { deps, caller, params } = ctx
  // An external key (XKS): its own parameters and path (./key-stores.ts).
  if (params.optionalString('Origin', { max: 64 }) === 'EXTERNAL_KEY_STORE') return createExternalKeyAction(ctx)
  const input = {
    keySpec: params.optionalString('KeySpec', { max: 64 }),
    keyUsage: params.optionalString('KeyUsage', { max: 64 }),
    origin: params.optionalString('Origin', { max: 64 }),
    protectionLevel: params.optionalString('ProtectionLevel', { max: 64 }),
    description: params.optionalString('Description', { max: 8192 }),
    enableAutomaticRotation: params.optionalBoolean('EnableAutomaticRotation'),
    rotationInterval: params.optionalString('RotationInterval', { max: 32 }),
    tags: params.optionalJson('Tags', tagList('Tags')),
  }
  // A key in a KMS instance: quota, and the protection level of the instance type.
  const instanceId = params.optionalString('DKMSInstanceId', { max: 128 }) || undefined
  // Policy: the key's resource policy, stored before the key (core/domain/keys/create-key-with-policy.ts).
  const policy = params.optionalString('Policy', { max: 32768, allowControl: true }) || undefined
  const key = await createKeyWithPolicy(deps, caller, policy, (keyId) =>
    instanceId
      ? createKeyInInstance({ ...deps, instances: deps.store.instances }, caller, { ...input, keyId, instanceId })
      : createKey(deps, caller, { ...input, keyId }),
  )
  return { KeyMetadata: keyMetadata(key) }
}

export const DescribeKey: ActionHandler = async ({ deps, caller, params }) => {
  const key = await resolveKey(deps, caller, params.string('KeyId', { max: 512 }))
  assertKeyState('DescribeKey', key)
  return { KeyMetadata: keyMetadata(key) }
}

export const ListKeys: ActionHandler = async ({ deps, caller, params }) => {
  const page = pageParams(params)
  const { keys, totalCount } = await listKeys(deps, caller, params.optionalJson('Filters', filterList()) ?? [], page)
  return {
    Keys: { Key: keys.map((k) => ({ KeyId: k.keyId, KeyArn: keyArn(k) })) },
    TotalCount: totalCount,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
  }
}

export const EnableKey: ActionHandler = async ({ deps, caller, params }) => {
  await enableKey(deps, caller, params.string('KeyId', { max: 512 }))
  return {}
}

export const DisableKey: ActionHandler = async ({ deps, caller, params }) => {
  await disableKey(deps, caller, params.string('KeyId', { max: 512 }))
  return {}
}

export const UpdateKeyDescription: ActionHandler = async ({ deps, caller, params }) => {
  const description = params.optionalString('Description', { max: 8192 })
  if (description === undefined) throw missingParameter('Description')
  await updateKeyDescription(deps, caller, params.string('KeyId', { max: 512 }), description)
  return {}
}

export const ScheduleKeyDeletion: ActionHandler = async ({ deps, caller, params }) => {
  await scheduleKeyDeletion(
    deps,
    caller,
    params.string('KeyId', { max: 512 }),
    params.integer('PendingWindowInDays', -1_000_000, 1_000_000),
  )
  return {}
}

export const CancelKeyDeletion: ActionHandler = async ({ deps, caller, params }) => {
  await cancelKeyDeletion(deps, caller, params.string('KeyId', { max: 512 }))
  return {}
}

export const SetDeletionProtection: ActionHandler = async ({ deps, caller, params }) => {
  const target = params.optionalString('ProtectedResourceArn', { max: 512 }) ?? params.optionalString('KeyId', { max: 512 })
  if (!target) throw missingParameter('ProtectedResourceArn')
  await setDeletionProtection(
    deps,
    caller,
    target,
    params.boolean('EnableDeletionProtection'),
    params.optionalString('DeletionProtectionDescription', { max: 8192 }),
  )
  return {}
}
