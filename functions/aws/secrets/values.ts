/**
 * @module functions/aws/secrets/values
 *
 * Secrets Manager operations on values and versions: CreateSecret, GetSecretValue,
 * BatchGetSecretValue, PutSecretValue, UpdateSecret, UpdateSecretVersionStage, over the Alibaba
 * descriptors (same permissions, same domain calls).
 *
 * - `ClientRequestToken` is the version id. A retry with the same token and the same value
 *   succeeds without writing (CreateSecret and PutSecretValue alike); with another value it is
 *   ResourceExistsException. As in the Alibaba PutSecretValue, only a caller who may also read
 *   the secret (kms:GetSecretValue on it, kms:Decrypt on its customer CMK) is told a retry
 *   succeeded; for anyone else an existing name or version is always ResourceExistsException.
 * - UpdateSecret with a value is what AWS documents it to be: a PutSecretValue (new version,
 *   AWSCURRENT), which needs kms:PutSecretValue (and kms:GenerateDataKey on the CMK) besides
 *   kms:UpdateSecret. A secret's CMK never changes here, so `KmsKeyId` is refused.
 */
import { fromUtf8, toBase64, zeroize } from '../../../core/crypto/bytes'
import { holdsValue, loadSecret } from '../../../core/domain/secrets/common'
import { batchGetSecretValue, type GetSecretValueInput, type SecretValueOutput } from '../../../core/domain/secrets/get-secret-value'
import { parseSecretValue, secretArn } from '../../../core/domain/secrets/names'
import { isUnderAuthorisedKey, keyChangedSinceAuthorised } from '../../../core/domain/targets'
import { KmsError, invalidParameter, missingParameter } from '../../../core/errors'
import { runAction, type ActionDescriptor } from '../../alibaba/action'
import type { ActionContext } from '../../alibaba/context'
import { SECRET, SECRET_KEY, type PermissionCheck } from '../../alibaba/permission'
import { arnToAws, secretRefFromAws } from '../arn'
import { awsAction, epochSeconds, list, params, str, type AwsCallContext, type JsonObject } from '../action'
import { awsError } from '../errors'
import {
  alibaba,
  arnOf,
  kmsKeyId,
  named,
  refuseField,
  requestToken,
  sameAuthorisation,
  secretId,
  secretValue,
  stage,
  stageList,
  tagsJson,
  wrappedStages,
} from './shape'

/** The probe of "may the caller read the secret" (as the Alibaba PutSecretValue names it). */
const READABLE = 'secretReadable'
const READ_PROBES: readonly PermissionCheck[] = [
  { action: 'kms:GetSecretValue', resource: SECRET, probe: READABLE },
  { action: 'kms:Decrypt', resource: SECRET_KEY, probe: READABLE },
]

/** One value as the Alibaba GetSecretValue answers it (the bytes are zeroized once encoded). */
function valueBody(out: SecretValueOutput): Record<string, unknown> {
  const binary = out.value.type === 'binary'
  try {
    return {
      SecretName: out.secret.secretName,
      VersionId: out.versionId,
      CreateTime: out.createdAt,
      SecretData: binary ? toBase64(out.value.bytes) : fromUtf8(out.value.bytes),
      SecretDataType: out.value.type,
      VersionStages: out.stages,
    }
  } finally {
    zeroize(out.value.bytes)
  }
}

/** Alibaba's secret value body → AWS's (`SecretString` or `SecretBinary`, epoch-second dates). */
function awsValue(v: Record<string, unknown>, call: AwsCallContext): JsonObject {
  const data = String(v.SecretData ?? '')
  return {
    ARN: arnOf(call, String(v.SecretName)),
    Name: String(v.SecretName),
    VersionId: String(v.VersionId),
    ...(v.SecretDataType === 'binary' ? { SecretBinary: data } : { SecretString: data }),
    VersionStages: wrappedStages(v.VersionStages),
    CreatedDate: epochSeconds(v.CreateTime) ?? 0,
  }
}

/**
 * Whether a CreateSecret refused as "already exists" is a retry of the call that created it:
 * the caller may read the secret, and its version `VersionId` holds the very value sent.
 */
async function isCreateRetry(ctx: ActionContext, input: Record<string, unknown>): Promise<string | undefined> {
  if (ctx.targets.probes[READABLE] !== true) return undefined
  const value = parseSecretValue(input.SecretData as string | undefined, input.SecretDataType as string | undefined)
  try {
    const head = await loadSecret(ctx.deps, ctx.caller, String(input.SecretName), 'refuse')
    const versionId = String(input.VersionId)
    if (!isUnderAuthorisedKey(ctx.targets, head) || !head.versions.some((v) => v.versionId === versionId)) return undefined
    const stored = await ctx.deps.secrets.getVersion(head.accountId, head.region, head.secretName, versionId)
    return stored && (await holdsValue(ctx.deps, head, versionId, stored, value)) ? secretArn(head) : undefined
  } catch {
    return undefined
  } finally {
    zeroize(value.bytes)
  }
}

const alibabaCreate = alibaba('CreateSecret')

export const CreateSecret = awsAction({
  service: 'secretsmanager',
  name: 'CreateSecret',
  via: sameAuthorisation(
    alibabaCreate,
    async (ctx, input) => {
      try {
        return await alibabaCreate.handler(ctx, input)
      } catch (err) {
        if (!(err instanceof KmsError) || err.code !== 'secret.alreadyExists') throw err
        const arn = await isCreateRetry(ctx, input)
        if (!arn) throw err
        return { Arn: arn, VersionId: String(input.VersionId), SecretName: String(input.SecretName) }
      }
    },
    { ...alibabaCreate.permission, checks: [...alibabaCreate.permission.checks, ...READ_PROBES] },
  ),
  request(body) {
    refuseField(body, 'AddReplicaRegions', 'there is one region per endpoint.')
    refuseField(body, 'ForceOverwriteReplicaSecret', 'there is one region per endpoint.')
    refuseField(body, 'Type', 'secrets here are generic (use the Alibaba SecretType for managed ones).')
    const name = str(body, 'Name')
    if (name === undefined || name === '') throw missingParameter('Name')
    const value = secretValue(body)
    // AWS allows a secret with no version; here a secret always has an ACSCurrent version.
    if (value.SecretData === undefined)
      throw invalidParameter('SecretString', 'give SecretString or SecretBinary: a secret here always has a current version.')
    return params({
      SecretName: secretRefFromAws(name),
      VersionId: requestToken(body),
      ...value,
      EncryptionKeyId: kmsKeyId(body),
      Description: str(body, 'Description'),
      Tags: tagsJson(body),
    })
  },
  response: (out, call) => ({ ARN: arnOf(call, String(out.SecretName)), Name: String(out.SecretName), VersionId: String(out.VersionId) }),
})

export const GetSecretValue = awsAction({
  service: 'secretsmanager',
  name: 'GetSecretValue',
  via: alibaba('GetSecretValue'),
  request: (body) => params({ SecretName: secretId(body), VersionId: str(body, 'VersionId'), VersionStage: stage(body, 'VersionStage') }),
  response: (out, call) => awsValue(out, call),
})

const alibabaBatch = alibaba('BatchGetSecretValue')

export const BatchGetSecretValue = awsAction({
  service: 'secretsmanager',
  name: 'BatchGetSecretValue',
  // The Alibaba handler reports errors by Alibaba code; this one keeps the error, so that each
  // entry of `Errors` carries AWS's exception name from the one table (functions/aws/errors.ts).
  via: sameAuthorisation(alibabaBatch, async ({ deps, caller, targets }, input) => {
    const entries = input.SecretsList as GetSecretValueInput[] | undefined
    if (!entries) throw missingParameter('SecretIdList')
    const results = await batchGetSecretValue(deps, caller, entries)
    const SecretValues: Record<string, unknown>[] = []
    const Errors: Array<{ SecretId: string; error: KmsError }> = []
    for (const r of results) {
      if (!('ok' in r)) Errors.push({ SecretId: r.secretName, error: r.error })
      else if (isUnderAuthorisedKey(targets, r.ok.secret)) SecretValues.push(valueBody(r.ok))
      else {
        zeroize(r.ok.value.bytes)
        Errors.push({ SecretId: r.ok.secret.secretName, error: keyChangedSinceAuthorised() })
      }
    }
    return { SecretValues, Errors }
  }),
  request(body) {
    refuseField(body, 'Filters', 'name the secrets with SecretIdList.')
    const ids = list(body, 'SecretIdList')
    if (ids === undefined || ids.length === 0) throw missingParameter('SecretIdList')
    if (ids.length > 20 || ids.some((id) => typeof id !== 'string' || id === '' || id.length > 2048)) {
      throw invalidParameter('SecretIdList', 'must be 1 to 20 secret names or ARNs.')
    }
    return params({ SecretsList: JSON.stringify((ids as string[]).map((id) => ({ SecretName: secretRefFromAws(id) }))) })
  },
  response(out, call) {
    const values = (out.SecretValues as Record<string, unknown>[]).map((v) => awsValue(v, call))
    const errors = (out.Errors as Array<{ SecretId: string; error: KmsError }>).map(({ SecretId, error }) => ({
      SecretId: arnToAws(SecretId),
      ErrorCode: awsError('secretsmanager', error.code).type,
      Message: error.message,
    }))
    return { SecretValues: values, Errors: errors }
  },
})

export const PutSecretValue = awsAction({
  service: 'secretsmanager',
  name: 'PutSecretValue',
  via: alibaba('PutSecretValue'),
  request(body) {
    refuseField(body, 'RotationToken', 'rotation here runs in the service, not in a Lambda function.')
    const value = secretValue(body)
    if (value.SecretData === undefined) throw missingParameter('SecretString')
    return params({ SecretName: secretId(body), VersionId: requestToken(body), ...value, VersionStages: stageList(body) })
  },
  response: (out, call) => ({
    ...named(call, out.SecretName),
    VersionId: String(out.VersionId),
    VersionStages: wrappedStages(out.VersionStages),
  }),
})

const alibabaUpdate = alibaba('UpdateSecret')
const alibabaPut = alibaba('PutSecretValue')
/** The probe of "may the caller store a new version" (UpdateSecret with a value). */
const WRITABLE = 'secretWritable'

const updateVia: ActionDescriptor = {
  name: alibabaUpdate.name,
  // The value's parameters are read by PutSecretValue's schema when it runs (runAction below).
  params: alibabaUpdate.params,
  permission: {
    checks: [
      ...alibabaUpdate.permission.checks,
      { action: 'kms:PutSecretValue', resource: SECRET, probe: WRITABLE },
      { action: 'kms:GenerateDataKey', resource: SECRET_KEY, probe: WRITABLE },
      ...READ_PROBES,
    ],
    readOnly: false,
    crossAccount: false,
  },
  async handler(ctx, input) {
    const withValue = ctx.params.has('SecretData')
    if (withValue && ctx.targets.probes[WRITABLE] !== true) {
      throw new KmsError('auth.forbidden', 'You are not authorized to perform this operation.')
    }
    if (!withValue || input.Description !== undefined) await runAction(alibabaUpdate, ctx)
    if (!withValue) return { SecretName: input.SecretName }
    const put = await runAction(alibabaPut, ctx)
    return { SecretName: put.SecretName, VersionId: put.VersionId }
  },
}

export const UpdateSecret = awsAction({
  service: 'secretsmanager',
  name: 'UpdateSecret',
  via: updateVia,
  request(body) {
    refuseField(body, 'KmsKeyId', 'the CMK of a secret never changes here; create a new secret under the other key.')
    refuseField(body, 'Type', 'secrets here are generic.')
    const value = secretValue(body)
    return params({
      SecretName: secretId(body),
      Description: str(body, 'Description'),
      ...(value.SecretData !== undefined ? { VersionId: requestToken(body), ...value } : {}),
    })
  },
  response(out, call) {
    const answer = named(call, out.SecretName)
    return out.VersionId !== undefined ? { ...answer, VersionId: String(out.VersionId) } : answer
  },
})

export const UpdateSecretVersionStage = awsAction({
  service: 'secretsmanager',
  name: 'UpdateSecretVersionStage',
  via: alibaba('UpdateSecretVersionStage'),
  request(body) {
    const label = stage(body, 'VersionStage')
    if (label === undefined || label === '') throw missingParameter('VersionStage')
    return params({
      SecretName: secretId(body),
      VersionStage: label,
      MoveToVersion: str(body, 'MoveToVersionId'),
      RemoveFromVersion: str(body, 'RemoveFromVersionId'),
    })
  },
  response: (out, call) => named(call, out.SecretName),
})
