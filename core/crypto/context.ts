/**
 * @module core/crypto/context
 *
 * Encryption contexts: the string-to-string maps bound to a ciphertext as additional
 * authenticated data (the `EncryptionContext` request parameter of Encrypt, Decrypt,
 * GenerateDataKey, ...).
 *
 * Rules (applied identically to the JSON form and to objects built by adapters from the
 * flattened `EncryptionContext.k=v` form):
 * - a JSON object whose values are all strings; no arrays, numbers, booleans, null or nesting;
 * - no duplicate keys (JSON.parse would silently keep the last one, so a small tokenizer reads
 *   the top-level object itself; `"a"` and `"\u0061"` are the same key);
 * - keys are non-empty; keys and values are well-formed Unicode (no lone surrogates, which UTF-8
 *   cannot represent and would otherwise collapse to U+FFFD);
 * - at most {@link MAX_ENCRYPTION_CONTEXT_CHARS} characters (UTF-16 code units) of JSON: the raw
 *   parameter text, and the canonical form for objects built elsewhere;
 * - `__proto__` is an ordinary key: results are null-prototype objects, nothing is polluted.
 *
 * Canonical form (the bytes that are authenticated): UTF-8 of the RFC 8785 (JCS) serialisation,
 * so key order does not matter; the empty or absent context is the empty byte string, so `{}` and
 * "no context" are interchangeable. Comparison is exact: keys and values are case-sensitive and
 * NOT Unicode-normalised, so "é" as U+00E9 (NFC) and as U+0065 U+0301 (NFD) are different contexts
 * and a ciphertext sealed under one does not open under the other.
 */

import canonicalize from 'canonicalize'
import { invalidParameter } from '../errors'
import { isWellFormedUnicode, utf8 } from './bytes'

/** Maximum length of an encryption context in JSON form, in UTF-16 code units. */
export const MAX_ENCRYPTION_CONTEXT_CHARS = 8192

const DEFAULT_PARAM = 'EncryptionContext'

/** An internal rule violation; the exported functions turn it into InvalidParameter(<name>). */
class ContextRejection extends Error {}

function reject(why: string): ContextRejection {
  return new ContextRejection(why)
}

function named<T>(parameter: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof ContextRejection) throw invalidParameter(parameter, err.message)
    throw err
  }
}

const WS = new Set([' ', '\t', '\n', '\r'])

/** Returns the index just past the JSON string token starting at `start` (a `"`). */
function scanString(json: string, start: number): number {
  let i = start + 1
  while (i < json.length) {
    const c = json.charCodeAt(i)
    if (c === 0x22) return i + 1
    if (c === 0x5c) i += 2
    else if (c < 0x20) throw reject('must be a valid JSON object')
    else i += 1
  }
  throw reject('must be a valid JSON object')
}

function decodeString(token: string): string {
  try {
    // The token is a complete JSON string literal, so JSON.parse only decodes escapes here.
    const value: unknown = JSON.parse(token)
    if (typeof value === 'string') return value
  } catch {
    // fall through: the message of a SyntaxError would echo the input
  }
  throw reject('must be a valid JSON object')
}

/**
 * Parses and validates the `EncryptionContext` request parameter (JSON form).
 *
 * @param json - the raw parameter value.
 * @returns a null-prototype object of the pairs, validated by {@link validateEncryptionContext}.
 * @throws {KmsError} `invalidParameter('EncryptionContext', ...)` (code
 *   `validation.invalidParameter`) when the text is longer than 8192 characters, is not a JSON
 *   object, has a non-string value, a duplicate or empty key, or a lone surrogate. Messages never
 *   echo keys or values.
 */
export function parseEncryptionContextJson(json: string, parameter = DEFAULT_PARAM): Record<string, string> {
  return named(parameter, () => parseContext(json))
}

function parseContext(json: string): Record<string, string> {
  if (typeof json !== 'string') throw reject('must be a JSON object')
  if (json.length > MAX_ENCRYPTION_CONTEXT_CHARS) {
    throw reject(`must not exceed ${MAX_ENCRYPTION_CONTEXT_CHARS} characters`)
  }
  const pairs = new Map<string, string>()
  let i = 0
  const skipWs = (): void => {
    while (i < json.length && WS.has(json[i]!)) i++
  }
  skipWs()
  if (json[i] !== '{') {
    throw reject(json[i] === '[' ? 'must be a JSON object, not an array' : 'must be a JSON object')
  }
  i++
  skipWs()
  if (json[i] === '}') {
    i++
  } else {
    for (;;) {
      if (json[i] !== '"') throw reject('must be a valid JSON object')
      const keyEnd = scanString(json, i)
      const key = decodeString(json.slice(i, keyEnd))
      i = keyEnd
      skipWs()
      if (json[i] !== ':') throw reject('must be a valid JSON object')
      i++
      skipWs()
      if (json[i] !== '"') throw reject('values must be strings')
      const valueEnd = scanString(json, i)
      const value = decodeString(json.slice(i, valueEnd))
      i = valueEnd
      if (pairs.has(key)) throw reject('must not contain duplicate keys')
      pairs.set(key, value)
      skipWs()
      if (json[i] === ',') {
        i++
        skipWs()
        continue
      }
      if (json[i] === '}') {
        i++
        break
      }
      throw reject('must be a valid JSON object')
    }
  }
  skipWs()
  if (i !== json.length) throw reject('must be a valid JSON object')
  const out = Object.create(null) as Record<string, string>
  for (const [k, v] of pairs) out[k] = v
  return validateContext(out)
}

/**
 * Validates an encryption context built outside {@link parseEncryptionContextJson} (e.g. from the
 * flattened `EncryptionContext.k=v` form) with the same rules.
 *
 * @param obj - a plain (or null-prototype) object of string values.
 * @returns a fresh null-prototype copy of the pairs.
 * @throws {KmsError} `invalidParameter('EncryptionContext', ...)` (code
 *   `validation.invalidParameter`) when `obj` is not a plain object, a value is not a string, a
 *   key is empty, a key or value contains a lone surrogate, or the canonical JSON exceeds 8192
 *   characters. Messages never echo keys or values.
 */
export function validateEncryptionContext(obj: Record<string, string>, parameter = DEFAULT_PARAM): Record<string, string> {
  return named(parameter, () => validateContext(obj))
}

function validateContext(obj: Record<string, string>): Record<string, string> {
  if (typeof obj !== 'object' || obj === null) throw reject('must be a JSON object')
  if (Array.isArray(obj)) throw reject('must be a JSON object, not an array')
  const proto: unknown = Object.getPrototypeOf(obj)
  if (proto !== Object.prototype && proto !== null) throw reject('must be a JSON object')
  const out = Object.create(null) as Record<string, string>
  for (const key of Object.keys(obj)) {
    const value: unknown = obj[key]
    if (typeof value !== 'string') throw reject('values must be strings')
    if (key.length === 0) throw reject('keys must not be empty')
    if (!isWellFormedUnicode(key) || !isWellFormedUnicode(value)) {
      throw reject('keys and values must be well-formed Unicode')
    }
    out[key] = value
  }
  const canonical = canonicalize(out) ?? ''
  if (canonical.length > MAX_ENCRYPTION_CONTEXT_CHARS) {
    throw reject(`must not exceed ${MAX_ENCRYPTION_CONTEXT_CHARS} characters`)
  }
  return out
}

/**
 * The bytes of an encryption context that are authenticated: UTF-8 of its RFC 8785 (JCS)
 * serialisation, or the empty byte string for an absent or empty context.
 *
 * @param ctx - the context, or `undefined` for none.
 * @returns canonical bytes; `{}` and `undefined` both give a 0-byte array.
 * @throws {KmsError} `invalidParameter('EncryptionContext', ...)` when `ctx` breaks the rules of
 *   {@link validateEncryptionContext}.
 */
export function canonicalEncryptionContext(ctx: Record<string, string> | undefined): Uint8Array {
  if (ctx === undefined) return new Uint8Array(0)
  const valid = validateEncryptionContext(ctx)
  if (Object.keys(valid).length === 0) return new Uint8Array(0)
  return utf8(canonicalize(valid) ?? '')
}
