/** @module functions/alibaba/actions/secrets/describe-secret — DescribeSecret. */
import { describeSecret } from '../../../../core/domain/secrets/describe-secret'
import { secretArn } from '../../../../core/domain/secrets/names'
import { action } from '../../action'
import { optionalBool } from '../../fields'
import { secretRead } from '../../permission'
import { instanceOf, NAME, owingService, rotationFields, tagsBody, withoutUndefined } from './shape'

export const DescribeSecret = action({
  name: 'DescribeSecret',
  params: { FetchTags: optionalBool(), SecretName: NAME },
  permission: secretRead,
  handler: async ({ deps, caller }, input) => {
    const secret = await describeSecret(deps, caller, input.SecretName)
    return withoutUndefined({
      Arn: secretArn(secret),
      SecretName: secret.secretName,
      SecretType: secret.secretType,
      EncryptionKeyId: secret.encryptionKeyId,
      Description: secret.description,
      CreateTime: secret.createdAt,
      UpdateTime: secret.updatedAt,
      PlannedDeleteTime: secret.state === 'PendingDeletion' ? secret.plannedDeleteTime : undefined,
      DKMSInstanceId: instanceOf(secret),
      OwingService: owingService(secret),
      Tags: input.FetchTags ? tagsBody(secret) : undefined,
      ...rotationFields(secret, true),
    })
  },
})
