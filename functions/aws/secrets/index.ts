/**
 * @module functions/aws/secrets
 *
 * The Secrets Manager operations (`X-Amz-Target: secretsmanager.<Op>`), listed explicitly; the
 * registry (functions/aws/registry.ts) serves exactly these. The refused ones answer
 * InvalidRequestException naming the reason; a target not listed here is UnknownOperationException.
 */
import type { AwsAction } from '../action'
import { DeleteSecret, DescribeSecret, ListSecrets, ListSecretVersionIds, RestoreSecret, TagResource, UntagResource } from './metadata'
import {
  CancelRotateSecret,
  DeleteResourcePolicy,
  GetRandomPassword,
  GetResourcePolicy,
  PutResourcePolicy,
  RemoveRegionsFromReplication,
  ReplicateSecretToRegions,
  RotateSecret,
  StopReplicationToReplica,
  ValidateResourcePolicy,
} from './service'
import { BatchGetSecretValue, CreateSecret, GetSecretValue, PutSecretValue, UpdateSecret, UpdateSecretVersionStage } from './values'

export const SECRETS_MANAGER_OPERATIONS: readonly AwsAction[] = [
  CreateSecret,
  GetSecretValue,
  BatchGetSecretValue,
  PutSecretValue,
  UpdateSecret,
  UpdateSecretVersionStage,
  DescribeSecret,
  ListSecrets,
  ListSecretVersionIds,
  DeleteSecret,
  RestoreSecret,
  TagResource,
  UntagResource,
  GetRandomPassword,
  RotateSecret,
  CancelRotateSecret,
  GetResourcePolicy,
  PutResourcePolicy,
  DeleteResourcePolicy,
  // Refused with InvalidRequestException (./service.ts).
  ValidateResourcePolicy,
  ReplicateSecretToRegions,
  RemoveRegionsFromReplication,
  StopReplicationToReplica,
]
