/** @module functions/alibaba/actions/secrets — the secrets manager actions, one file each. */
import type { ActionDescriptor } from '../../action'
import { BatchGetSecretValue } from './batch-get-secret-value'
import { CreateSecret } from './create-secret'
import { DeleteSecret } from './delete-secret'
import { DescribeSecret } from './describe-secret'
import { GetRandomPassword } from './get-random-password'
import { GetSecretValue } from './get-secret-value'
import { ListSecrets } from './list-secrets'
import { ListSecretVersionIds } from './list-secret-version-ids'
import { PutSecretValue } from './put-secret-value'
import { RestoreSecret } from './restore-secret'
import { RotateSecret } from './rotate-secret'
import { UpdateSecret } from './update-secret'
import { UpdateSecretRotationPolicy } from './update-secret-rotation-policy'
import { UpdateSecretVersionStage } from './update-secret-version-stage'

export const SECRET_ACTIONS: readonly ActionDescriptor[] = [
  CreateSecret,
  GetSecretValue,
  BatchGetSecretValue,
  PutSecretValue,
  UpdateSecretVersionStage,
  ListSecretVersionIds,
  DescribeSecret,
  ListSecrets,
  UpdateSecret,
  DeleteSecret,
  RestoreSecret,
  GetRandomPassword,
]

/** RotateSecret and UpdateSecretRotationPolicy (managed secrets). */
export const SECRET_ROTATION_ACTIONS: readonly ActionDescriptor[] = [RotateSecret, UpdateSecretRotationPolicy]
