/**
 * @module core/auth/signature-types
 *
 * The shapes every signature scheme shares: the runtime-neutral signed request and the parsed
 * signature a verifier returns. Their own module so that signed-request.ts (which picks the
 * scheme) and the schemes (signature-v1.ts, signature-acs3.ts, signature-acs4.ts), which it
 * imports, do not import each other.
 */

export interface SignedRequestInput {
  /** HTTP method as received ('GET', 'POST', …). It is signed by both schemes. */
  method: string
  /** URL pathname as received (still percent-encoded), normally '/'. */
  path: string
  /** Decoded query pairs, in order (see parseFormEncoded). */
  query: Array<[string, string]>
  /** Decoded form-body pairs ([] unless the body is application/x-www-form-urlencoded). */
  form: Array<[string, string]>
  /** Request headers with lower-case names. */
  headers: Record<string, string>
  /** Lower-case hex SHA-256 of the raw body bytes (the empty-body hash when there is none). */
  bodySha256Hex: string
}

export interface ParsedSignature {
  /** `SigV4`: the AWS dialect (core/auth/signature-sigv4.ts). */
  scheme: 'V1' | 'ACS3' | 'SigV4'
  accessKeyId: string
  /** The request's nonce; `''` for a SigV4 request that signs none (botocore, awscli). */
  nonce: string
  /** Milliseconds since the epoch, parsed from `Timestamp` (V1), `x-acs-date` (ACS3) or `x-amz-date`. */
  timestamp: number
  /**
   * Recomputes the signature with this secret and compares in constant time.
   *
   * @throws never for a well-formed secret; resolves `false` on any mismatch.
   */
  verify(secret: string): Promise<boolean>
  /**
   * The message of the `SignatureDoesNotMatch` this request gets when `verify` is false: for V1,
   * Alibaba's `… server string to sign is:<StringToSign>` with data values redacted (see
   * signature-v1.ts); for ACS3, the fixed sentence. It goes to the caller only: never log or
   * store it.
   */
  mismatchMessage(): string
}
