/**
 * @module core/domain/targets/parse
 *
 * How a request names what it acts on, parsed in one place for authorisation
 * (core/domain/targets/resolve.ts) and the domain operations (core/domain/keys/common.ts
 * `resolveKey`, core/domain/secrets/names.ts `parseSecretReference`): a key by id, key ARN, alias
 * or alias ARN; a secret by name or ARN; the key named inside a ciphertext blob. Parsing checks
 * only the form and the region; which account may be used is decided by policy, and what exists
 * by the resolver.
 */
import { parseBlobHeader } from '../../crypto/envelope'
import { invalidParameter } from '../../errors'

/** Where a key or secret lives. */
export interface Owner {
  accountId: string
  region: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** Alibaba: `alias/` then 1–249 of letters, digits, `_`, `-`, `/`; `alias/acs/` is reserved. */
const ALIAS_NAME = /^alias\/[A-Za-z0-9_\-/]{1,249}$/
const KEY_ARN = /^acs:kms:([a-z0-9-]{1,64}):(\d{1,32}):(key|alias)\/(.+)$/
const SECRET_ARN = /^acs:kms:([a-z0-9-]{1,64}):(\d{1,32}):secret\/(.+)$/
const CONTROL = /[\u0000-\u001f\u007f]/

/** A key id as this service mints them (lowercase UUID). */
export function isKeyId(value: string): boolean {
  return UUID.test(value)
}

/** An alias name of the accepted form (the reserved prefix is checked on creation only). */
export function isAliasName(value: string): boolean {
  return ALIAS_NAME.test(value)
}

/**
 * A key as a request names it, with the account it names (the ARN's, else the caller's). The id
 * or alias name is as written: {@link isKeyId} / {@link isAliasName} tell whether it can exist.
 */
export type KeyReference =
  { kind: 'id'; keyId: string; accountId: string; region: string } | { kind: 'alias'; aliasName: string; accountId: string; region: string }

/**
 * Parses a key named by id, `acs:kms:<region>:<account>:key/<id>`, `alias/<name>` or
 * `acs:kms:<region>:<account>:alias/<name>`, in the region of `caller`.
 * @throws KmsError validation.invalidParameter for malformed input or an ARN of another region
 */
export function parseKeyReference(value: string, caller: Owner, parameter = 'KeyId'): KeyReference {
  if (value.length === 0 || value.length > 512 || CONTROL.test(value)) {
    throw invalidParameter(parameter, 'the key identifier is malformed.')
  }
  const region = caller.region
  if (value.startsWith('acs:')) {
    const m = KEY_ARN.exec(value)
    if (!m) throw invalidParameter(parameter, 'the ARN is malformed.')
    const [, arnRegion, accountId, kind, rest] = m as unknown as [string, string, string, string, string]
    if (arnRegion !== region) throw invalidParameter(parameter, 'the ARN names another region.')
    return kind === 'alias'
      ? { kind: 'alias', aliasName: `alias/${rest}`, accountId, region }
      : { kind: 'id', keyId: rest, accountId, region }
  }
  if (value.startsWith('alias/')) return { kind: 'alias', aliasName: value, accountId: caller.accountId, region }
  return { kind: 'id', keyId: value, accountId: caller.accountId, region }
}

/** A secret as a request names it: its name and the account it names (the ARN's, else the caller's). */
export interface SecretReference extends Owner {
  name: string
}

/**
 * Parses a secret named by name or `acs:kms:<region>:<account>:secret/<name>` in the region of
 * `caller`. The name is as written (core/domain/secrets/names.ts checks its form).
 * @throws KmsError validation.invalidParameter for a malformed ARN or an ARN of another region
 */
export function parseSecretTarget(value: string, caller: Owner, parameter = 'SecretName'): SecretReference {
  if (!value.startsWith('acs:')) return { accountId: caller.accountId, region: caller.region, name: value }
  const m = SECRET_ARN.exec(value)
  if (!m) throw invalidParameter(parameter, 'the secret ARN is malformed.')
  const [, region, accountId, name] = m as unknown as [string, string, string, string]
  if (region !== caller.region) throw invalidParameter(parameter, 'the ARN names another region.')
  return { accountId, region, name }
}

/** The key and version a ciphertext blob names, or undefined when it names none (malformed). */
export function blobKeyOf(blob: Uint8Array): { keyId: string; versionId: string } | undefined {
  try {
    const header = parseBlobHeader(blob)
    return { keyId: header.keyId, versionId: header.versionId }
  } catch {
    return undefined
  }
}
