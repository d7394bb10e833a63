/**
 * @module functions/alibaba/errors
 *
 * The one table from domain error codes to Alibaba's wire codes and HTTP statuses, and the error
 * body the official SDKs expect: `{RequestId, HostId, Code, Message, Recommend}`.
 * This is the only file of the Alibaba adapter that knows HTTP statuses of errors.
 */
import type { KmsErrorCode } from '../../core/errors'

export interface WireError {
  status: 400 | 403 | 404 | 409 | 412 | 413 | 429 | 500 | 503
  code: string
}

export const ALIBABA_ERRORS: Readonly<Record<KmsErrorCode, WireError>> = {
  'request.tooLarge': { status: 413, code: 'RequestEntityTooLarge' },
  'request.unknownAction': { status: 404, code: 'InvalidAction.NotFound' },
  'request.unsupportedVersion': { status: 400, code: 'InvalidVersion' },
  'request.malformed': { status: 400, code: 'ParseRequestParameterException' },
  'validation.missingParameter': { status: 400, code: 'MissingParameter' },
  'validation.invalidParameter': { status: 400, code: 'InvalidParameter' },
  'auth.incompleteSignature': { status: 400, code: 'IncompleteSignature' },
  'auth.signatureMismatch': { status: 400, code: 'SignatureDoesNotMatch' },
  'auth.accessKeyNotFound': { status: 404, code: 'InvalidAccessKeyId.NotFound' },
  'auth.accessKeyInactive': { status: 400, code: 'InvalidAccessKeyId.Inactive' },
  'auth.illegalTimestamp': { status: 400, code: 'IllegalTimestamp' },
  'auth.nonceUsed': { status: 400, code: 'SignatureNonceUsed' },
  'auth.forbidden': { status: 403, code: 'Forbidden.NoPermission' },
  'auth.securityTokenMalformed': { status: 400, code: 'InvalidSecurityToken.Malformed' },
  'auth.securityTokenExpired': { status: 400, code: 'InvalidSecurityToken.Expired' },
  'auth.securityTokenMismatch': { status: 400, code: 'InvalidSecurityToken.MismatchWithAccessKey' },
  'auth.securityTokenMissing': { status: 400, code: 'MissingSecurityToken' },
  'key.notFound': { status: 404, code: 'Forbidden.KeyNotFound' },
  'key.versionNotFound': { status: 404, code: 'Forbidden.KeyVersionNotFound' },
  'key.disabled': { status: 409, code: 'Rejected.Disabled' },
  'key.pendingDeletion': { status: 409, code: 'Rejected.PendingDeletion' },
  'key.pendingImport': { status: 409, code: 'Rejected.PendingImport' },
  'key.invalidState': { status: 409, code: 'Rejected.StateModifiedFailed' },
  'key.deletionProtected': { status: 409, code: 'Rejected.DeletionProtection' },
  'key.invalidUsage': { status: 400, code: 'Rejected.UnsupportedKeyUsage' },
  'key.unsupportedSpec': { status: 400, code: 'Unsupported.KeySpec' },
  'key.unsupportedOrigin': { status: 400, code: 'Unsupported.Origin' },
  'key.unsupportedProtectionLevel': { status: 400, code: 'Unsupported.ProtectionLevel' },
  'key.serviceManaged': { status: 403, code: 'Forbidden.ServiceManagedKey' },
  'key.unsupportedOperation': { status: 400, code: 'Rejected.UnsupportedOperation' },
  'import.invalidToken': { status: 400, code: 'InvalidImportToken' },
  'import.expiredToken': { status: 400, code: 'ExpiredImportToken' },
  'import.invalidMaterial': { status: 400, code: 'InvalidKeyMaterial' },
  'alias.notFound': { status: 404, code: 'Forbidden.AliasNotFound' },
  'alias.alreadyExists': { status: 400, code: 'AliasAlreadyExists' },
  'alias.invalidName': { status: 400, code: 'InvalidParameter' },
  'secret.notFound': { status: 404, code: 'Forbidden.ResourceNotFound' },
  'secret.alreadyExists': { status: 400, code: 'Rejected.ResourceExist' },
  'secret.versionNotFound': { status: 404, code: 'Forbidden.ResourceNotFound' },
  'secret.invalidState': { status: 409, code: 'Rejected.IncorrectSecretStatus' },
  'secret.versionConflict': { status: 400, code: 'Rejected.ResourceExist' },
  'crypto.invalidCiphertext': { status: 400, code: 'InvalidCiphertext' },
  // AWS-dialect only (functions/aws): never raised for an Alibaba call.
  'crypto.incorrectKey': { status: 400, code: 'InvalidCiphertext' },
  'crypto.invalidMac': { status: 400, code: 'InvalidParameter' },
  'crypto.invalidSignature': { status: 400, code: 'InvalidParameter' },
  'grant.notFound': { status: 404, code: 'Forbidden.GrantNotFound' },
  'grant.invalidId': { status: 400, code: 'InvalidParameter' },
  'grant.invalidToken': { status: 400, code: 'InvalidParameter' },
  'instance.notFound': { status: 403, code: 'Forbidden.DKMSInstanceNotFound' },
  // External key stores: the wire answers the Alibaba dialect gave before these codes existed.
  'keyStore.notFound': { status: 400, code: 'InvalidParameter' },
  'keyStore.invalidState': { status: 409, code: 'Rejected.StateModifiedFailed' },
  'keyStore.nameInUse': { status: 400, code: 'Rejected.ResourceExist' },
  'keyStore.hasKeys': { status: 409, code: 'Rejected.StateModifiedFailed' },
  'keyStore.incorrectCredential': { status: 409, code: 'Rejected.StateModifiedFailed' },
  'xksKey.notFound': { status: 409, code: 'Rejected.StateModifiedFailed' },
  'xksKey.alreadyInUse': { status: 409, code: 'Rejected.StateModifiedFailed' },
  'xksKey.invalidConfiguration': { status: 409, code: 'Rejected.StateModifiedFailed' },
  'limit.exceeded': { status: 400, code: 'Rejected.LimitExceeded' },
  'concurrency.conflict': { status: 409, code: 'Rejected.ConcurrentModification' },
  'dryRun.wouldSucceed': { status: 412, code: 'DryRunOperationError' },
  'policy.malformed': { status: 400, code: 'MalformedPolicyDocument' },
  'policy.lockout': { status: 400, code: 'MalformedPolicyDocument' },
  'iam.userNotFound': { status: 404, code: 'EntityNotExist.User' },
  'iam.userExists': { status: 409, code: 'EntityAlreadyExists.User' },
  'iam.policyNotFound': { status: 404, code: 'EntityNotExist.Policy' },
  'iam.policyExists': { status: 409, code: 'EntityAlreadyExists.Policy' },
  'iam.accessKeyNotFound': { status: 404, code: 'EntityNotExist.User.AccessKey' },
  'iam.accessKeyLimit': { status: 409, code: 'LimitExceeded.User.AccessKey' },
  'iam.userHasAccessKeys': { status: 409, code: 'DeleteConflict.User.AccessKey' },
  'iam.userHasPolicies': { status: 409, code: 'DeleteConflict.User.Policy' },
  'iam.policyAttached': { status: 409, code: 'DeleteConflict.Policy.User' },
  'iam.attachmentExists': { status: 409, code: 'EntityAlreadyExists.User.Policy' },
  'iam.attachmentNotFound': { status: 404, code: 'EntityNotExist.User.Policy' },
  'iam.systemPolicy': { status: 400, code: 'InvalidParameter.PolicyType' },
  'trail.invalidToken': { status: 400, code: 'InvalidNextToken' },
  'iam.roleNotFound': { status: 404, code: 'EntityNotExist.Role' },
  'iam.roleExists': { status: 409, code: 'EntityAlreadyExists.Role' },
  'iam.roleHasPolicies': { status: 409, code: 'DeleteConflict.Role.Policy' },
  'iam.roleAttachmentExists': { status: 409, code: 'EntityAlreadyExists.Role.Policy' },
  'iam.roleAttachmentNotFound': { status: 404, code: 'EntityNotExist.Role.Policy' },
  'sts.noPermission': { status: 403, code: 'NoPermission' },
  // The three codes Alibaba's secrets clients retry (with backoff, and serving their cache
  // meanwhile): exactly these codes and statuses.
  'request.throttled': { status: 429, code: 'Rejected.Throttling' },
  'hsm.unavailable': { status: 503, code: 'ServiceUnavailableTemporary' },
  'store.unavailable': { status: 503, code: 'ServiceUnavailableTemporary' },
  internal: { status: 500, code: 'InternalFailure' },
}

export function alibabaError(code: KmsErrorCode): WireError {
  return ALIBABA_ERRORS[code]
}

/** The JSON error body. `Message` must already be free of sensitive values. */
export function errorBody(requestId: string, hostId: string, code: string, message: string) {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}`,
  }
}
