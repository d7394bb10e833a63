/**
 * @module core/errors
 *
 * The one error class of the domain. Every failure the service reports carries a code from
 * {@link KmsErrorCode}; protocol adapters (functions/alibaba/errors.ts, later AWS) map codes to
 * wire codes and HTTP statuses in a single table. Never match on message strings.
 *
 * Messages are shown to API clients: they must never contain plaintext, key material, secret
 * values or native HSM text. Put diagnostic detail in `cause`, which is logged (sanitised) only.
 */

export const KMS_ERROR_CODES = [
  // request shape
  'request.tooLarge',
  'request.unknownAction',
  'request.unsupportedVersion',
  'request.malformed',
  // validation
  'validation.missingParameter',
  'validation.invalidParameter',
  // authentication
  'auth.incompleteSignature',
  'auth.signatureMismatch',
  'auth.accessKeyNotFound',
  'auth.accessKeyInactive',
  'auth.illegalTimestamp',
  'auth.nonceUsed',
  'auth.forbidden',
  // STS security tokens (core/auth/security-token.ts)
  'auth.securityTokenMalformed',
  'auth.securityTokenExpired',
  'auth.securityTokenMismatch',
  'auth.securityTokenMissing',
  // keys
  'key.notFound',
  'key.versionNotFound',
  'key.disabled',
  'key.pendingDeletion',
  'key.pendingImport',
  'key.invalidState',
  'key.deletionProtected',
  'key.invalidUsage',
  'key.unsupportedSpec',
  'key.unsupportedOrigin',
  'key.unsupportedProtectionLevel',
  'key.serviceManaged',
  'key.unsupportedOperation',
  // key material import (BYOK)
  'import.invalidToken',
  'import.expiredToken',
  'import.invalidMaterial',
  // aliases
  'alias.notFound',
  'alias.alreadyExists',
  'alias.invalidName',
  // secrets
  'secret.notFound',
  'secret.alreadyExists',
  'secret.versionNotFound',
  'secret.invalidState',
  'secret.versionConflict',
  // crypto
  'crypto.invalidCiphertext',
  /** AWS Decrypt naming a KeyId that is not the ciphertext's key (IncorrectKeyException). */
  'crypto.incorrectKey',
  /** AWS VerifyMac / Verify with a tag that does not verify (KMSInvalidMac/SignatureException). */
  'crypto.invalidMac',
  'crypto.invalidSignature',
  // grants (AWS dialect)
  'grant.notFound',
  'grant.invalidId',
  'grant.invalidToken',
  // KMS instances
  'instance.notFound',
  // external key stores (XKS) and their keys (core/domain/keys/external)
  'keyStore.notFound',
  /** The store's connection state forbids the call (not connected, or connected for an update/delete). */
  'keyStore.invalidState',
  'keyStore.nameInUse',
  /** DeleteCustomKeyStore of a store that still has keys (any state but purged). */
  'keyStore.hasKeys',
  /** The proxy refused the store's SigV4 credential. */
  'keyStore.incorrectCredential',
  /** The EKM has no key with the XksKeyId. */
  'xksKey.notFound',
  /** Another key of the store is bound to the XksKeyId. */
  'xksKey.alreadyInUse',
  /** The EKM key is not an enabled AES_256 key that encrypts and decrypts. */
  'xksKey.invalidConfiguration',
  // limits and dry runs
  'limit.exceeded',
  'concurrency.conflict',
  'dryRun.wouldSucceed',
  // access control and audit
  'policy.malformed',
  'policy.lockout',
  'iam.userNotFound',
  'iam.userExists',
  'iam.policyNotFound',
  'iam.policyExists',
  'iam.accessKeyNotFound',
  'iam.accessKeyLimit',
  'iam.userHasAccessKeys',
  'iam.userHasPolicies',
  'iam.policyAttached',
  'iam.attachmentExists',
  'iam.attachmentNotFound',
  'iam.systemPolicy',
  'trail.invalidToken',
  // RAM roles and STS
  'iam.roleNotFound',
  'iam.roleExists',
  'iam.roleHasPolicies',
  'iam.roleAttachmentExists',
  'iam.roleAttachmentNotFound',
  'sts.noPermission',
  // infrastructure
  'request.throttled',
  'hsm.unavailable',
  'store.unavailable',
  'internal',
] as const

export type KmsErrorCode = (typeof KMS_ERROR_CODES)[number]

export interface KmsErrorOptions {
  /** Extra, non-sensitive detail for the client (e.g. the parameter name). */
  details?: Record<string, string | number | boolean>
  /** Underlying error, logged only, never returned to clients. */
  cause?: unknown
}

/**
 * A coded domain error.
 *
 * @example
 * throw new KmsError('validation.missingParameter', 'The input parameter "KeyId" that is mandatory for processing this request is not supplied.', { details: { parameter: 'KeyId' } })
 */
export class KmsError extends Error {
  readonly code: KmsErrorCode
  readonly details: Record<string, string | number | boolean> | undefined

  constructor(code: KmsErrorCode, message: string, options: KmsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'KmsError'
    this.code = code
    this.details = options.details
  }

  /** True when `err` is a KmsError whose code starts with `prefix` (e.g. `'auth.'`). */
  static match(err: unknown, prefix = ''): err is KmsError {
    return err instanceof KmsError && err.code.startsWith(prefix)
  }
}

/** The uniform decrypt failure: wrong key, bad tag, truncated blob and wrong context all look alike. */
export function invalidCiphertext(cause?: unknown): KmsError {
  return new KmsError('crypto.invalidCiphertext', 'The specified CiphertextBlob is invalid, or does not match the encryption context.', {
    cause,
  })
}

export function missingParameter(name: string): KmsError {
  return new KmsError(
    'validation.missingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    { details: { parameter: name } },
  )
}

export function invalidParameter(name: string, why: string): KmsError {
  return new KmsError('validation.invalidParameter', `The parameter "${name}" is invalid: ${why}`, {
    details: { parameter: name },
  })
}
