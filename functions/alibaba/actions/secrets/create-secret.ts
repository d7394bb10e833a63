/**
 * @module functions/alibaba/actions/secrets/create-secret — CreateSecret. A managed secret's
 * rotation acts as the account on what its ExtendedConfig names (another secret's value, a RAM
 * user's AccessKeys), so the creator needs those permissions itself.
 */
import { createSecretInInstance } from '../../../../core/domain/instances/create-in-instance'
import { createSecret } from '../../../../core/domain/secrets/create-secret'
import { createSecretWithPolicy } from '../../../../core/domain/secrets/create-secret-with-policy'
import { secretArn } from '../../../../core/domain/secrets/names'
import { optionalKeyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { DESCRIPTION, optionalBool, optionalText, TAGS } from '../../fields'
import { SECRET } from '../../permission'
import { EXTENDED_CONFIG, instanceOf, NAME, optionalJsonText, SECRET_DATA, VERSION_ID, withoutUndefined } from './shape'

const NON_EMPTY = (max: number) => optionalText({ max })

export const CreateSecret = action({
  name: 'CreateSecret',
  params: {
    SecretName: NAME,
    VersionId: VERSION_ID,
    SecretData: SECRET_DATA,
    SecretDataType: optionalText({ max: 16 }),
    SecretType: optionalText({ max: 32 }),
    EncryptionKeyId: NON_EMPTY(512),
    Description: DESCRIPTION,
    Tags: TAGS,
    DKMSInstanceId: NON_EMPTY(128),
    EnableAutomaticRotation: optionalBool(),
    RotationInterval: NON_EMPTY(32),
    ExtendedConfig: EXTENDED_CONFIG,
    Policy: optionalJsonText(32768),
  },
  permission: {
    checks: [
      { resource: SECRET },
      { action: 'kms:GenerateDataKey', resource: { kind: 'newSecretKey', param: 'EncryptionKeyId' } },
      { action: 'kms:GetSecretValue', resource: { kind: 'configSecrets', param: 'ExtendedConfig' } },
      { action: 'kms:Decrypt', resource: { kind: 'configSecretKeys', param: 'ExtendedConfig' } },
      { action: 'ram:CreateAccessKey', resource: { kind: 'configRamUser', param: 'ExtendedConfig' } },
      { action: 'ram:DeleteAccessKey', resource: { kind: 'configRamUser', param: 'ExtendedConfig' } },
    ],
    readOnly: false,
    crossAccount: false,
  },
  handler: async ({ deps, caller, targets }, p) => {
    const input = {
      secretName: p.SecretName,
      versionId: p.VersionId,
      secretData: p.SecretData,
      secretDataType: p.SecretDataType,
      secretType: p.SecretType,
      // The customer CMK as authorised (an alias resolved once); the default CMK needs none.
      encryptionKeyId: optionalKeyTarget(targets, 'EncryptionKeyId') ?? (p.EncryptionKeyId || undefined),
      description: p.Description,
      tags: p.Tags,
      instanceId: p.DKMSInstanceId || undefined,
      enableAutomaticRotation: p.EnableAutomaticRotation,
      rotationInterval: p.RotationInterval || undefined,
      extendedConfig: p.ExtendedConfig,
      policy: p.Policy,
    }
    // A secret in a KMS instance: the instance must exist and have secret quota left.
    // Policy: the new secret's resource policy (core/domain/secrets/create-secret-with-policy.ts).
    const creation = { ...input, policy: undefined }
    const secret = await createSecretWithPolicy(deps, caller, input, () =>
      input.instanceId
        ? createSecretInInstance({ ...deps, instances: deps.store.instances }, caller, { ...creation, instanceId: input.instanceId })
        : createSecret(deps, caller, creation),
    )
    return withoutUndefined({
      Arn: secretArn(secret),
      VersionId: secret.versions[0]!.versionId,
      SecretName: secret.secretName,
      SecretType: secret.secretType,
      DKMSInstanceId: instanceOf(secret),
    })
  },
})
