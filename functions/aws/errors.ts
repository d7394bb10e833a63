/**
 * @module functions/aws/errors
 *
 * The one table from domain error codes to AWS's exception names and HTTP statuses, for AWS KMS
 * (`TrentService`) and Secrets Manager (`secretsmanager`), and the JSON 1.1 error body the AWS
 * SDKs read: `{"__type": "<ExceptionName>", "message": "…"}` (plus the `x-amzn-errortype`
 * header). AWS answers client errors with 400 (and 403 for access and signature errors), so the
 * SDKs' retry logic sees what it expects: throttling is `ThrottlingException` (400), a store or HSM
 * outage `KMSInternalException` / `InternalServiceError` with 500/503 (retried by the SDKs).
 * Names come from the services' API models (../shared/reference/aws-kms-api.md).
 */
import type { KmsErrorCode } from '../../core/errors'

export type AwsService = 'kms' | 'secretsmanager'

export interface AwsWireError {
  status: 400 | 403 | 404 | 413 | 500 | 501 | 503
  /** Exception name for KMS; for Secrets Manager when `sm` is absent. */
  kms: string
  sm?: string
}

const e = (status: AwsWireError['status'], kms: string, sm?: string): AwsWireError => (sm ? { status, kms, sm } : { status, kms })

const ACCESS = e(403, 'AccessDeniedException')
const SIGNATURE = e(403, 'InvalidSignatureException')
const VALIDATION = e(400, 'ValidationException', 'InvalidParameterException')
const STATE = e(400, 'KMSInvalidStateException', 'InvalidRequestException')

export const AWS_ERRORS: Readonly<Record<KmsErrorCode, AwsWireError>> = {
  'request.tooLarge': e(413, 'ValidationException', 'InvalidRequestException'),
  'request.unknownAction': e(400, 'UnknownOperationException'),
  'request.unsupportedVersion': e(400, 'UnknownOperationException'),
  'request.malformed': e(400, 'SerializationException'),
  'validation.missingParameter': VALIDATION,
  'validation.invalidParameter': VALIDATION,
  'auth.incompleteSignature': e(400, 'IncompleteSignature'),
  'auth.signatureMismatch': SIGNATURE,
  'auth.accessKeyNotFound': e(403, 'UnrecognizedClientException'),
  'auth.accessKeyInactive': e(403, 'UnrecognizedClientException'),
  'auth.illegalTimestamp': e(400, 'InvalidSignatureException'),
  'auth.nonceUsed': SIGNATURE,
  'auth.forbidden': ACCESS,
  'auth.securityTokenMalformed': e(403, 'UnrecognizedClientException'),
  'auth.securityTokenExpired': e(403, 'ExpiredTokenException'),
  'auth.securityTokenMismatch': e(403, 'UnrecognizedClientException'),
  'auth.securityTokenMissing': e(403, 'UnrecognizedClientException'),
  'key.notFound': e(400, 'NotFoundException', 'ResourceNotFoundException'),
  'key.versionNotFound': e(400, 'NotFoundException', 'ResourceNotFoundException'),
  'key.disabled': e(400, 'DisabledException', 'DecryptionFailure'),
  'key.pendingDeletion': STATE,
  'key.pendingImport': STATE,
  'key.invalidState': STATE,
  'key.deletionProtected': STATE,
  'key.invalidUsage': e(400, 'InvalidKeyUsageException', 'InvalidParameterException'),
  'key.unsupportedSpec': e(400, 'UnsupportedOperationException', 'InvalidParameterException'),
  'key.unsupportedOrigin': e(400, 'UnsupportedOperationException', 'InvalidParameterException'),
  'key.unsupportedProtectionLevel': e(400, 'UnsupportedOperationException', 'InvalidParameterException'),
  'key.serviceManaged': ACCESS,
  'key.unsupportedOperation': e(400, 'UnsupportedOperationException', 'InvalidRequestException'),
  'import.invalidToken': e(400, 'InvalidImportTokenException'),
  'import.expiredToken': e(400, 'ExpiredImportTokenException'),
  'import.invalidMaterial': e(400, 'IncorrectKeyMaterialException'),
  'alias.notFound': e(400, 'NotFoundException', 'ResourceNotFoundException'),
  'alias.alreadyExists': e(400, 'AlreadyExistsException'),
  'alias.invalidName': e(400, 'InvalidAliasNameException'),
  'secret.notFound': e(400, 'NotFoundException', 'ResourceNotFoundException'),
  'secret.alreadyExists': e(400, 'AlreadyExistsException', 'ResourceExistsException'),
  'secret.versionNotFound': e(400, 'NotFoundException', 'ResourceNotFoundException'),
  'secret.invalidState': e(400, 'KMSInvalidStateException', 'InvalidRequestException'),
  'secret.versionConflict': e(400, 'AlreadyExistsException', 'ResourceExistsException'),
  'crypto.invalidCiphertext': e(400, 'InvalidCiphertextException', 'DecryptionFailure'),
  'crypto.incorrectKey': e(400, 'IncorrectKeyException', 'DecryptionFailure'),
  'crypto.invalidMac': e(400, 'KMSInvalidMacException'),
  'crypto.invalidSignature': e(400, 'KMSInvalidSignatureException'),
  'grant.notFound': e(400, 'NotFoundException'),
  'grant.invalidId': e(400, 'InvalidGrantIdException'),
  'grant.invalidToken': e(400, 'InvalidGrantTokenException'),
  'instance.notFound': e(400, 'CustomKeyStoreNotFoundException', 'InvalidParameterException'),
  'keyStore.notFound': e(400, 'CustomKeyStoreNotFoundException', 'InvalidParameterException'),
  'keyStore.invalidState': e(400, 'CustomKeyStoreInvalidStateException', 'InvalidRequestException'),
  'keyStore.nameInUse': e(400, 'CustomKeyStoreNameInUseException', 'InvalidParameterException'),
  'keyStore.hasKeys': e(400, 'CustomKeyStoreHasCMKsException', 'InvalidRequestException'),
  'keyStore.incorrectCredential': e(400, 'XksProxyIncorrectAuthenticationCredentialException', 'InvalidRequestException'),
  'xksKey.notFound': e(400, 'XksKeyNotFoundException', 'InvalidParameterException'),
  'xksKey.alreadyInUse': e(400, 'XksKeyAlreadyInUseException', 'InvalidParameterException'),
  'xksKey.invalidConfiguration': e(400, 'XksKeyInvalidConfigurationException', 'InvalidParameterException'),
  'limit.exceeded': e(400, 'LimitExceededException'),
  'concurrency.conflict': e(400, 'ConflictException', 'InvalidRequestException'),
  'dryRun.wouldSucceed': e(400, 'DryRunOperationException'),
  'policy.malformed': e(400, 'MalformedPolicyDocumentException'),
  'policy.lockout': e(400, 'MalformedPolicyDocumentException'),
  'iam.userNotFound': ACCESS,
  'iam.userExists': ACCESS,
  'iam.policyNotFound': ACCESS,
  'iam.policyExists': ACCESS,
  'iam.accessKeyNotFound': ACCESS,
  'iam.accessKeyLimit': ACCESS,
  'iam.userHasAccessKeys': ACCESS,
  'iam.userHasPolicies': ACCESS,
  'iam.policyAttached': ACCESS,
  'iam.attachmentExists': ACCESS,
  'iam.attachmentNotFound': ACCESS,
  'iam.systemPolicy': ACCESS,
  'trail.invalidToken': e(400, 'InvalidMarkerException', 'InvalidNextTokenException'),
  'iam.roleNotFound': ACCESS,
  'iam.roleExists': ACCESS,
  'iam.roleHasPolicies': ACCESS,
  'iam.roleAttachmentExists': ACCESS,
  'iam.roleAttachmentNotFound': ACCESS,
  'sts.noPermission': ACCESS,
  'request.throttled': e(400, 'ThrottlingException'),
  'hsm.unavailable': e(503, 'KMSInternalException', 'InternalServiceError'),
  'store.unavailable': e(503, 'KMSInternalException', 'InternalServiceError'),
  internal: e(500, 'KMSInternalException', 'InternalServiceError'),
}

/** The exception name and status of `code` for `service`. */
export function awsError(service: AwsService, code: KmsErrorCode): { status: AwsWireError['status']; type: string } {
  const wire = AWS_ERRORS[code]
  return { status: wire.status, type: service === 'secretsmanager' ? (wire.sm ?? wire.kms) : wire.kms }
}

/** The JSON 1.1 error body. `message` must already be free of sensitive values. */
export function awsErrorBody(type: string, message: string): { __type: string; message: string } {
  return { __type: type, message }
}
