/**
 * @module functions/aws/registry
 *
 * Every AWS operation this service answers, by `X-Amz-Target`, listed explicitly. The README's
 * AWS coverage table is tested against the same list (test/unit/readme-coverage.test.ts).
 */
import type { AwsAction } from './action'
import { SECRETS_MANAGER_OPERATIONS } from './secrets'
import { Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncrypt } from './kms/crypto'
import {
  CancelKeyDeletion,
  CreateKey,
  DescribeKey,
  DisableKey,
  EnableKey,
  ListKeys,
  ScheduleKeyDeletion,
  UpdateKeyDescription,
} from './kms/keys'
import { CreateAlias, DeleteAlias, ListAliases, UpdateAlias } from './kms/aliases'
import { DeleteImportedKeyMaterial, GetParametersForImport, ImportKeyMaterial } from './kms/import'
import { GenerateMac, VerifyMac } from './kms/mac'
import { GetKeyPolicy, ListKeyPolicies, PutKeyPolicy } from './kms/policies'
import { GenerateRandom } from './kms/random'
import { DisableKeyRotation, EnableKeyRotation, GetKeyRotationStatus, ListKeyRotations, RotateKeyOnDemand } from './kms/rotation'
import { GetPublicKey, Sign, Verify } from './kms/signing'
import { ListResourceTags, TagResource, UntagResource } from './kms/tags'
import { CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant } from './kms/grants'
import { GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext } from './kms/data-key-pairs'
import {
  ConnectCustomKeyStore,
  CreateCustomKeyStore,
  DeleteCustomKeyStore,
  DescribeCustomKeyStores,
  DisconnectCustomKeyStore,
  UpdateCustomKeyStore,
} from './kms/custom-key-stores'

function byName(list: readonly AwsAction[]): ReadonlyMap<string, AwsAction> {
  const map = new Map<string, AwsAction>()
  for (const a of list) {
    if (map.has(a.name)) throw new Error(`AWS registry: ${a.name} registered twice`)
    map.set(a.name, a)
  }
  return map
}

/** `TrentService.<Op>`. */
export const AWS_KMS_ACTIONS: ReadonlyMap<string, AwsAction> = byName([
  CreateKey,
  DescribeKey,
  ListKeys,
  EnableKey,
  DisableKey,
  UpdateKeyDescription,
  ScheduleKeyDeletion,
  CancelKeyDeletion,
  Encrypt,
  Decrypt,
  ReEncrypt,
  GenerateDataKey,
  GenerateDataKeyWithoutPlaintext,
  CreateAlias,
  UpdateAlias,
  DeleteAlias,
  ListAliases,
  TagResource,
  UntagResource,
  ListResourceTags,
  EnableKeyRotation,
  DisableKeyRotation,
  GetKeyRotationStatus,
  RotateKeyOnDemand,
  ListKeyRotations,
  GetKeyPolicy,
  PutKeyPolicy,
  ListKeyPolicies,
  GetParametersForImport,
  ImportKeyMaterial,
  DeleteImportedKeyMaterial,
  GenerateMac,
  VerifyMac,
  Sign,
  Verify,
  GetPublicKey,
  GenerateRandom,
  CreateGrant,
  ListGrants,
  ListRetirableGrants,
  RetireGrant,
  RevokeGrant,
  GenerateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext,
  CreateCustomKeyStore,
  DescribeCustomKeyStores,
  ConnectCustomKeyStore,
  DisconnectCustomKeyStore,
  UpdateCustomKeyStore,
  DeleteCustomKeyStore,
])

/** `secretsmanager.<Op>`. */
export const AWS_SECRETS_ACTIONS: ReadonlyMap<string, AwsAction> = byName(SECRETS_MANAGER_OPERATIONS)
