/**
 * @module functions/aws/arn
 *
 * One key or secret seen through both dialects: AWS callers name and receive AWS ARNs
 * (`arn:aws:kms:<region>:<account>:key/<id>`, `…:alias/<name>`,
 * `arn:aws:secretsmanager:<region>:<account>:secret:<name>`), which map one-to-one onto the
 * Alibaba form the core uses (`acs:kms:<region>:<account>:key/<id>`, `…:secret/<name>`).
 * AWS appends six random characters to a secret's ARN; ours carries the name alone (a secret name
 * is unique per account and region here), so an ARN built by a client from the name works too.
 */

const AWS_KMS_ARN = /^arn:aws:kms:([a-z0-9-]{1,64}):(\d{1,32}):((?:key|alias)\/.+)$/
const AWS_SECRET_ARN = /^arn:aws:secretsmanager:([a-z0-9-]{1,64}):(\d{1,32}):secret:(.+)$/
const ACS_KMS_ARN = /^acs:kms:([a-z0-9-]{1,64}):(\d{1,32}):(key|alias|secret)\/(.+)$/

/** A KMS key reference as an AWS caller sends it → as the core reads it (ids and aliases unchanged). */
export function keyRefFromAws(value: string): string {
  const m = AWS_KMS_ARN.exec(value)
  return m ? `acs:kms:${m[1]}:${m[2]}:${m[3]}` : value
}

/** A secret reference (name or AWS ARN) → name or Alibaba ARN. */
export function secretRefFromAws(value: string): string {
  const m = AWS_SECRET_ARN.exec(value)
  return m ? `acs:kms:${m[1]}:${m[2]}:secret/${m[3]}` : value
}

/** An Alibaba ARN (key, alias or secret) → its AWS form; anything else unchanged. */
export function arnToAws(arn: string): string {
  const m = ACS_KMS_ARN.exec(arn)
  if (!m) return arn
  const [, region, account, kind, rest] = m as unknown as [string, string, string, string, string]
  return kind === 'secret'
    ? `arn:aws:secretsmanager:${region}:${account}:secret:${rest}`
    : `arn:aws:kms:${region}:${account}:${kind}/${rest}`
}

export function awsKeyArn(region: string, accountId: string, keyId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/${keyId}`
}

export function awsSecretArn(region: string, accountId: string, name: string): string {
  return `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}`
}
