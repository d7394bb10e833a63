/**
 * @module functions/alibaba/ram/actions
 *
 * The RAM-compatible API (Version 2015-05-01, same endpoint and signatures as KMS): users,
 * AccessKeys, custom and system policies, attachments. Response shapes follow
 * @alicloud/ram20150501's models (the SDK casts every field and throws on a type mismatch):
 * strings everywhere except `IsTruncated` (boolean), `AttachmentCount` (number) and
 * `IsDefaultVersion` (boolean); lists wrapped as `{ User: [...] }`, `{ AccessKey: [...] }`,
 * `{ Policy: [...] }`.
 */
import { createAccessKey, deleteAccessKey, listAccessKeys, updateAccessKey } from '../../../core/domain/principals/access-keys'
import {
  attachPolicyToUser,
  createPolicy,
  deletePolicy,
  detachPolicyFromUser,
  getPolicy,
  listPoliciesForUser,
} from '../../../core/domain/principals/policies'
import { createUser, deleteUser, getUser, listUsers } from '../../../core/domain/principals/users'
import type { UserRecord } from '../../../core/domain/principals/model'
import { openPageToken, sealPageToken } from '../../../core/domain/audit/page-token'
import type { ActionHandler } from '../context'
import { attachedPoliciesShape, policyRef } from './attachments'

const NAME = { max: 128 }
const TEXT = { max: 1024 }

function userShape(u: UserRecord, withUpdate = false): Record<string, string> {
  return {
    UserId: u.userId,
    UserName: u.userName,
    DisplayName: u.displayName,
    MobilePhone: u.mobilePhone,
    Email: u.email,
    Comments: u.comments,
    CreateDate: u.createdAt,
    ...(withUpdate ? { UpdateDate: u.updatedAt } : {}),
  }
}

export const CreateUser: ActionHandler = async ({ deps, caller, params }) => {
  const user = await createUser(deps, caller, {
    userName: params.string('UserName', NAME),
    displayName: params.optionalString('DisplayName', TEXT),
    comments: params.optionalString('Comments', TEXT),
    email: params.optionalString('Email', TEXT),
    mobilePhone: params.optionalString('MobilePhone', TEXT),
  })
  return { User: userShape(user) }
}

export const GetUser: ActionHandler = async ({ deps, caller, params }) => {
  const user = await getUser(deps, caller, params.string('UserName', NAME))
  return { User: userShape(user, true) }
}

export const ListUsers: ActionHandler = async ({ deps, caller, params }) => {
  const limit = params.optionalInteger('MaxItems', 1, 1000) ?? 100
  const scope = { purpose: 'ram:ListUsers', accountId: caller.accountId, principalArn: caller.principalArn ?? '', filter: '' }
  const now = deps.clock.now()
  const marker = params.optionalString('Marker', { max: 2048 })
  const after = marker ? openPageToken(deps.rootKeys, scope, marker, now) : undefined
  const { users, more } = await listUsers(deps, caller, after, limit)
  const last = users[users.length - 1]
  return {
    IsTruncated: more,
    ...(more && last ? { Marker: sealPageToken(deps.rootKeys, scope, last.userName, now) } : {}),
    Users: { User: users.map((u) => userShape(u, true)) },
  }
}

export const DeleteUser: ActionHandler = async ({ deps, caller, params }) => {
  await deleteUser(deps, caller, params.string('UserName', NAME))
  return {}
}

export const CreateAccessKey: ActionHandler = async ({ deps, caller, params }) => {
  const key = await createAccessKey(deps, caller, params.optionalString('UserName', NAME) || undefined)
  return { AccessKey: { AccessKeyId: key.accessKeyId, AccessKeySecret: key.accessKeySecret, Status: key.status, CreateDate: key.createdAt } }
}

export const ListAccessKeys: ActionHandler = async ({ deps, caller, params }) => {
  const keys = await listAccessKeys(deps, caller, params.optionalString('UserName', NAME) || undefined)
  return { AccessKeys: { AccessKey: keys.map((k) => ({ AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createdAt })) } }
}

export const UpdateAccessKey: ActionHandler = async ({ deps, caller, params }) => {
  const accessKeyId = params.string('UserAccessKeyId', NAME)
  await updateAccessKey(deps, caller, {
    userName: params.optionalString('UserName', NAME) || undefined,
    accessKeyId,
    status: params.string('Status', { max: 16 }),
  })
  deps.credentials.forget?.(accessKeyId)
  return {}
}

export const DeleteAccessKey: ActionHandler = async ({ deps, caller, params }) => {
  const accessKeyId = params.string('UserAccessKeyId', NAME)
  await deleteAccessKey(deps, caller, {
    userName: params.optionalString('UserName', NAME) || undefined,
    accessKeyId,
  })
  deps.credentials.forget?.(accessKeyId)
  return {}
}

export const CreatePolicy: ActionHandler = async ({ deps, caller, params }) => {
  const policy = await createPolicy(deps, caller, {
    policyName: params.string('PolicyName', NAME),
    document: params.string('PolicyDocument', { max: 32768, allowControl: true }),
    description: params.optionalString('Description', TEXT),
  })
  return {
    Policy: {
      PolicyName: policy.policyName,
      PolicyType: 'Custom',
      Description: policy.description,
      DefaultVersion: 'v1',
      CreateDate: policy.createdAt,
    },
  }
}

export const GetPolicy: ActionHandler = async ({ deps, caller, params }) => {
  const p = await getPolicy(deps, caller, params.string('PolicyName', NAME), params.string('PolicyType', { max: 16 }))
  return {
    Policy: {
      PolicyName: p.policyName,
      PolicyType: p.policyType,
      Description: p.description,
      DefaultVersion: 'v1',
      PolicyDocument: p.document,
      CreateDate: p.createdAt,
      UpdateDate: p.updatedAt,
      AttachmentCount: p.attachmentCount,
    },
    DefaultPolicyVersion: { VersionId: 'v1', IsDefaultVersion: true, PolicyDocument: p.document, CreateDate: p.createdAt },
  }
}

export const DeletePolicy: ActionHandler = async ({ deps, caller, params }) => {
  await deletePolicy(deps, caller, params.string('PolicyName', NAME), params.optionalBoolean('CascadingDelete') ?? false)
  return {}
}

function attachment(params: Parameters<ActionHandler>[0]['params']) {
  return { userName: params.string('UserName', NAME), ...policyRef(params) }
}

export const AttachPolicyToUser: ActionHandler = async ({ deps, caller, params }) => {
  await attachPolicyToUser(deps, caller, attachment(params))
  return {}
}

export const DetachPolicyFromUser: ActionHandler = async ({ deps, caller, params }) => {
  await detachPolicyFromUser(deps, caller, attachment(params))
  return {}
}

export const ListPoliciesForUser: ActionHandler = async ({ deps, caller, params }) => {
  return attachedPoliciesShape(await listPoliciesForUser(deps, caller, params.string('UserName', NAME)))
}
