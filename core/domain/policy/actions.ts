/**
 * @module core/domain/policy/actions
 *
 * The actions a policy may name. A policy that names an action outside this catalogue (or a
 * wildcard that matches none of it) is refused as malformed, so a typo such as `kms:Encrpyt`
 * fails loudly at `CreatePolicy` instead of silently granting nothing.
 *
 * The KMS list is Alibaba's whole 2016-01-20 API (so policies may already name actions this
 * service does not implement yet), plus the permission names `kms:ReEncryptFrom` /
 * `kms:ReEncryptTo` that `ReEncrypt` is authorised with.
 */

const KMS = [
  // service and instances
  'DescribeRegions',
  'OpenKmsService',
  'DescribeAccountKmsStatus',
  'DescribeService',
  'ConnectKmsInstance',
  'GetKmsInstance',
  'ListKmsInstances',
  'UpdateKmsInstanceBindVpc',
  'GetDefaultKmsInstance',
  'GetKmsInstanceQuotaInfos',
  'ReleaseKmsInstance',
  // keys
  'CreateKey',
  'DescribeKey',
  'ListKeys',
  'EnableKey',
  'DisableKey',
  'UpdateKeyDescription',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'SetDeletionProtection',
  'GetKeyPolicy',
  'SetKeyPolicy',
  'CreateKeyVersion',
  'DescribeKeyVersion',
  'ListKeyVersions',
  'UpdateRotationPolicy',
  'GetParametersForImport',
  'ImportKeyMaterial',
  'DeleteKeyMaterial',
  // external key stores (AWS TrentService names)
  'CreateCustomKeyStore',
  'DescribeCustomKeyStores',
  'ConnectCustomKeyStore',
  'DisconnectCustomKeyStore',
  'UpdateCustomKeyStore',
  'DeleteCustomKeyStore',
  // aliases and tags
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'ListAliases',
  'ListAliasesByKeyId',
  'TagResource',
  'UntagResource',
  'ListResourceTags',
  'TagResources',
  'UntagResources',
  'ListTagResources',
  // cryptography
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'ReEncrypt',
  'ReEncryptFrom',
  'ReEncryptTo',
  'ExportDataKey',
  'GenerateAndExportDataKey',
  'AdvanceEncrypt',
  'AsymmetricEncrypt',
  'AsymmetricDecrypt',
  'AsymmetricSign',
  'AsymmetricVerify',
  'GetPublicKey',
  'GenerateMac',
  'VerifyMac',
  // grants (AWS dialect: functions/aws/kms/grants.ts)
  'CreateGrant',
  'ListGrants',
  'ListRetirableGrants',
  'RetireGrant',
  'RevokeGrant',
  // secrets
  'CreateSecret',
  'GetSecretValue',
  'BatchGetSecretValue',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'RotateSecret',
  'UpdateSecretRotationPolicy',
  'DescribeSecret',
  'ListSecrets',
  'ListSecretVersionIds',
  'DeleteSecret',
  'RestoreSecret',
  'UpdateSecret',
  'GetRandomPassword',
  'GetSecretPolicy',
  'SetSecretPolicy',
  // certificates
  'CreateCertificate',
  'UploadCertificate',
  'ImportCertificate',
  'ImportEncryptionCertificate',
  'ExportCertificate',
  'GetCertificate',
  'DescribeCertificate',
  'ListCertificates',
  'UpdateCertificateStatus',
  'DeleteCertificate',
  'CertificatePrivateKeySign',
  'CertificatePrivateKeyDecrypt',
  'CertificatePublicKeyEncrypt',
  'CertificatePublicKeyVerify',
  // application access points (KMS instances)
  'CreateApplicationAccessPoint',
  'DescribeApplicationAccessPoint',
  'UpdateApplicationAccessPoint',
  'DeleteApplicationAccessPoint',
  'ListApplicationAccessPoints',
  'CreateClientKey',
  'GetClientKey',
  'DeleteClientKey',
  'ListClientKeys',
  'CreateNetworkRule',
  'DescribeNetworkRule',
  'UpdateNetworkRule',
  'DeleteNetworkRule',
  'ListNetworkRules',
  'CreatePolicy',
  'DescribePolicy',
  'UpdatePolicy',
  'DeletePolicy',
  'ListPolicies',
]

const RAM = [
  'CreateUser',
  'GetUser',
  'UpdateUser',
  'ListUsers',
  'DeleteUser',
  'CreateAccessKey',
  'ListAccessKeys',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'GetAccessKeyLastUsed',
  'CreatePolicy',
  'GetPolicy',
  'DeletePolicy',
  'ListPolicies',
  'CreatePolicyVersion',
  'GetPolicyVersion',
  'DeletePolicyVersion',
  'ListPolicyVersions',
  'SetDefaultPolicyVersion',
  'AttachPolicyToUser',
  'DetachPolicyFromUser',
  'ListPoliciesForUser',
  'ListEntitiesForPolicy',
  'GetAccountAlias',
  // roles
  'CreateRole',
  'GetRole',
  'UpdateRole',
  'ListRoles',
  'DeleteRole',
  'AttachPolicyToRole',
  'DetachPolicyFromRole',
  'ListPoliciesForRole',
]

const STS = ['AssumeRole', 'GetCallerIdentity']

const ACTIONTRAIL = ['LookupEvents', 'CreateTrail', 'DeleteTrail', 'DescribeTrails', 'GetTrailStatus']

/** Every known action, `service:Name`, in the case Alibaba documents. */
export const KNOWN_ACTIONS: readonly string[] = [
  ...KMS.map((a) => `kms:${a}`),
  ...RAM.map((a) => `ram:${a}`),
  ...ACTIONTRAIL.map((a) => `actiontrail:${a}`),
  ...STS.map((a) => `sts:${a}`),
]

/** Services whose actions a policy may name. */
export const KNOWN_SERVICES: ReadonlySet<string> = new Set(['kms', 'ram', 'actiontrail', 'sts'])
