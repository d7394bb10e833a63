/**
 * @module hsm-bridge/validate
 *
 * Request-body checks shared by the operations. Bodies are JSON objects with a closed set of
 * fields; byte fields are strict, padded, standard base64 (RFC 4648 §4). Error messages name the
 * field and never echo its value.
 */

import { validationError } from './errors.js'

export type Body = Record<string, unknown>

/** Key ids: CKA_ID and CKA_LABEL of every object the bridge creates. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Parses a request body that must be a JSON object.
 *
 * @throws {BridgeError} ValidationError for anything else.
 */
export function parseBody(raw: Buffer): Body {
  let value: unknown
  try {
    value = JSON.parse(raw.length === 0 ? '{}' : raw.toString('utf8'))
  } catch {
    throw validationError('body', 'must be a JSON object')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationError('body', 'must be a JSON object')
  }
  return value as Body
}

/**
 * Rejects fields outside `allowed` (without echoing the caller's field name).
 *
 * @throws {BridgeError} ValidationError.
 */
export function allowOnly(body: Body, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (allowed.includes(key)) continue
    throw validationError('body', `allows only: ${allowed.join(', ') || 'no fields'}`)
  }
}

/**
 * The `id` field.
 *
 * @throws {BridgeError} ValidationError unless it matches {@link KEY_ID_PATTERN}.
 */
export function keyIdField(body: Body): string {
  const id = Object.hasOwn(body, 'id') ? body.id : undefined
  if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) {
    throw validationError('id', 'must match [A-Za-z0-9-]{1,64}')
  }
  return id
}

/**
 * A string field restricted to `values`.
 *
 * @throws {BridgeError} ValidationError otherwise.
 */
export function enumField<T extends string>(body: Body, name: string, values: readonly T[]): T {
  const v = Object.hasOwn(body, name) ? body[name] : undefined
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw validationError(name, `must be one of ${values.join(', ')}`)
  }
  return v as T
}

export interface LengthRange {
  min?: number
  max: number
  /** Exact length; overrides min and max in the message. */
  exact?: number
}

/**
 * A base64 field decoded to bytes, with a length check on the decoded value.
 *
 * @throws {BridgeError} ValidationError when missing, not canonical base64, or out of range.
 */
export function bytesField(body: Body, name: string, range: LengthRange): Buffer {
  const v = Object.hasOwn(body, name) ? body[name] : undefined
  if (typeof v !== 'string' || !BASE64.test(v)) {
    throw validationError(name, 'must be standard padded base64')
  }
  const bytes = Buffer.from(v, 'base64')
  // Rejects non-zero bits under the padding, which Buffer ignores.
  if (bytes.toString('base64') !== v) throw validationError(name, 'must be canonical base64')
  if (range.exact !== undefined) {
    if (bytes.length !== range.exact) throw validationError(name, `must be ${range.exact} bytes`)
  } else if (bytes.length < (range.min ?? 0) || bytes.length > range.max) {
    throw validationError(name, `must be ${range.min ?? 0} to ${range.max} bytes`)
  }
  return bytes
}
