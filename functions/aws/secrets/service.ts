/**
 * @module functions/aws/secrets/service
 *
 * Secrets Manager operations beside values and metadata: GetRandomPassword, RotateSecret,
 * CancelRotateSecret, the resource-policy operations, and the operations this service refuses.
 *
 * - Rotation is the core's (managed secrets and generic secrets with a rotation function,
 *   created through the Alibaba dialect): RotateSecret starts it now, with `ClientRequestToken`
 *   as the new version's id. AWS's Lambda-based rotation has no meaning here, so
 *   `RotationLambdaARN`, `RotationRules`, `RotateImmediately=false` and the external-rotation
 *   fields are refused (InvalidRequestException); a secret without a rotation of its own is
 *   refused by the core. CancelRotateSecret turns automatic rotation off (the Alibaba
 *   UpdateSecretRotationPolicy with EnableAutomaticRotation=false).
 * - Resource policies are the Alibaba secret policies (Get/SetSecretPolicy), in this service's
 *   policy language (kms:* actions, RAM principals), not AWS's IAM language. DeleteResourcePolicy
 *   puts the default policy back. `BlockPublicPolicy=true` is refused rather than ignored.
 * - ValidateResourcePolicy and the replication operations are refused with
 *   InvalidRequestException (there is one region per endpoint, and policy checks happen on Put).
 */
import { defaultResourcePolicyText } from '../../../core/domain/policy/system-policies'
import { setSecretPolicy } from '../../../core/domain/principals/resource-policies'
import { KmsError, invalidParameter, missingParameter } from '../../../core/errors'
import { action, type ActionDescriptor } from '../../alibaba/action'
import { on } from '../../alibaba/permission'
import { awsAction, bool, num, params, str, unsupported } from '../action'
import { alibaba, named, refuseField, requestToken, secretId } from './shape'

export const GetRandomPassword = awsAction({
  service: 'secretsmanager',
  name: 'GetRandomPassword',
  via: alibaba('GetRandomPassword'),
  request(body) {
    if (bool(body, 'IncludeSpace')) throw invalidParameter('IncludeSpace', 'passwords here never include a space.')
    return params({
      PasswordLength: num(body, 'PasswordLength'),
      ExcludeCharacters: str(body, 'ExcludeCharacters'),
      ExcludeNumbers: bool(body, 'ExcludeNumbers'),
      ExcludePunctuation: bool(body, 'ExcludePunctuation'),
      ExcludeUppercase: bool(body, 'ExcludeUppercase'),
      ExcludeLowercase: bool(body, 'ExcludeLowercase'),
      RequireEachIncludedType: bool(body, 'RequireEachIncludedType'),
    })
  },
  response: (out) => ({ RandomPassword: String(out.RandomPassword) }),
})

const NO_LAMBDA = 'rotation here is the service’s own (managed secrets, rotation functions); see the README.'

export const RotateSecret = awsAction({
  service: 'secretsmanager',
  name: 'RotateSecret',
  via: alibaba('RotateSecret'),
  request(body) {
    for (const field of ['RotationLambdaARN', 'RotationRules', 'ExternalSecretRotationMetadata', 'ExternalSecretRotationRoleArn']) {
      refuseField(body, field, NO_LAMBDA)
    }
    if (bool(body, 'RotateImmediately') === false) {
      throw new KmsError('key.unsupportedOperation', 'RotateImmediately=false is not supported by this service: RotateSecret rotates now.')
    }
    return params({ SecretName: secretId(body), VersionId: requestToken(body) })
  },
  response: (out, call) => ({ ...named(call, out.SecretName), VersionId: String(out.VersionId) }),
})

export const CancelRotateSecret = awsAction({
  service: 'secretsmanager',
  name: 'CancelRotateSecret',
  via: alibaba('UpdateSecretRotationPolicy'),
  request: (body) => params({ SecretName: secretId(body), EnableAutomaticRotation: false }),
  response: (out, call) => named(call, out.SecretName),
})

export const GetResourcePolicy = awsAction({
  service: 'secretsmanager',
  name: 'GetResourcePolicy',
  via: alibaba('GetSecretPolicy'),
  request: (body) => params({ SecretName: secretId(body) }),
  response: (out, call, body) => ({ ...named(call, nameOf(body)), ResourcePolicy: String(out.Policy) }),
})

/** The secret's name as the request gave it (a name, or the last part of an ARN). */
function nameOf(body: Record<string, unknown>): string {
  const ref = secretId(body as never)
  const m = /^acs:kms:[^:]+:\d+:secret\/(.+)$/.exec(ref)
  return m ? m[1]! : ref
}

export const PutResourcePolicy = awsAction({
  service: 'secretsmanager',
  name: 'PutResourcePolicy',
  via: alibaba('SetSecretPolicy'),
  request(body) {
    if (bool(body, 'BlockPublicPolicy')) {
      throw new KmsError(
        'key.unsupportedOperation',
        'BlockPublicPolicy is not supported by this service; policies here are checked for lockout only.',
      )
    }
    const policy = str(body, 'ResourcePolicy')
    if (policy === undefined || policy === '') throw missingParameter('ResourcePolicy')
    return params({ SecretName: secretId(body), Policy: policy })
  },
  response: (_out, call, body) => named(call, nameOf(body)),
})

const alibabaSetPolicy = alibaba('SetSecretPolicy')

/** Authorised as SetSecretPolicy (kms:SetSecretPolicy on the secret); writes the default policy. */
const deletePolicyVia: ActionDescriptor = {
  name: alibabaSetPolicy.name,
  params: { SecretName: alibabaSetPolicy.params.SecretName! },
  permission: alibabaSetPolicy.permission,
  async handler({ deps, caller }, input) {
    const target = await setSecretPolicy(deps, caller, {
      secretName: String(input.SecretName),
      policy: defaultResourcePolicyText(caller.accountId),
    })
    // The policy write drops the cached view itself (core/store/invalidating.ts).
    return { SecretName: target.secretName }
  },
}

export const DeleteResourcePolicy = awsAction({
  service: 'secretsmanager',
  name: 'DeleteResourcePolicy',
  via: deletePolicyVia,
  request: (body) => params({ SecretName: secretId(body) }),
  response: (out, call) => named(call, out.SecretName),
})

/** Never reached: the operations below are refused when their request is read. */
const refusedVia = action({
  name: 'Refused',
  params: {},
  permission: on({ kind: 'service' }, true),
  handler: async () => {
    throw new KmsError('key.unsupportedOperation', 'This operation is not supported by this service.')
  },
})

function refused(name: string, why: string) {
  return awsAction({
    service: 'secretsmanager',
    name,
    via: refusedVia,
    request: () => {
      throw new KmsError(unsupported(name).code, `${name} is not supported by this service: ${why}`)
    },
    response: () => ({}),
  })
}

export const ValidateResourcePolicy = refused('ValidateResourcePolicy', 'PutResourcePolicy checks a policy when it is put.')
export const ReplicateSecretToRegions = refused('ReplicateSecretToRegions', 'there is one region per endpoint.')
export const RemoveRegionsFromReplication = refused('RemoveRegionsFromReplication', 'there is one region per endpoint.')
export const StopReplicationToReplica = refused('StopReplicationToReplica', 'there is one region per endpoint.')
