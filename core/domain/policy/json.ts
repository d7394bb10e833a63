/**
 * @module core/domain/policy/json
 *
 * A small strict JSON reader for policy documents. `JSON.parse` is not enough: it silently keeps
 * the last of duplicate keys (a policy with two `Effect`s must be refused, not guessed), and its
 * error messages quote the input. This reader reports the character offset of the first problem,
 * refuses duplicate keys and deep nesting, and returns null-prototype objects so that keys such
 * as `__proto__` are ordinary data.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
}

/** Nesting deeper than this is refused (policies need about 5 levels). */
export const MAX_JSON_DEPTH = 32

/** A syntax error at a character offset of the text. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    readonly why: string,
  ) {
    super(`${why} at offset ${offset}`)
    this.name = 'JsonSyntaxError'
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d])
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/**
 * Parses `text` as one JSON value.
 *
 * @throws JsonSyntaxError with the offset of the first problem (malformed token, duplicate key,
 *   nesting deeper than {@link MAX_JSON_DEPTH}, trailing data).
 */
export function parseStrictJson(text: string): JsonValue {
  let i = 0
  const fail = (why: string, at = i): never => {
    throw new JsonSyntaxError(at, why)
  }
  const skipWs = (): void => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++
  }
  const readString = (): string => {
    const start = i
    i++
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        try {
          // A complete string literal: JSON.parse only decodes the escapes here.
          return JSON.parse(text.slice(start, i)) as string
        } catch {
          return fail('invalid escape in string', start)
        }
      }
      if (c === 0x5c) i += 2
      else if (c < 0x20) fail('control character in string')
      else i++
    }
    return fail('unterminated string', start)
  }
  const readValue = (depth: number): JsonValue => {
    if (depth > MAX_JSON_DEPTH) fail('nesting too deep')
    skipWs()
    const c = text[i]
    if (c === '{') {
      const obj = Object.create(null) as JsonObject
      i++
      skipWs()
      if (text[i] === '}') {
        i++
        return obj
      }
      for (;;) {
        skipWs()
        if (text[i] !== '"') fail('expected a string key')
        const keyAt = i
        const key = readString()
        if (Object.hasOwn(obj, key)) fail('duplicate key', keyAt)
        skipWs()
        if (text[i] !== ':') fail('expected ":"')
        i++
        obj[key] = readValue(depth + 1)
        skipWs()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return obj
        }
        fail('expected "," or "}"')
      }
    }
    if (c === '[') {
      const arr: JsonValue[] = []
      i++
      skipWs()
      if (text[i] === ']') {
        i++
        return arr
      }
      for (;;) {
        arr.push(readValue(depth + 1))
        skipWs()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return arr
        }
        fail('expected "," or "]"')
      }
    }
    if (c === '"') return readString()
    if (text.startsWith('true', i)) {
      i += 4
      return true
    }
    if (text.startsWith('false', i)) {
      i += 5
      return false
    }
    if (text.startsWith('null', i)) {
      i += 4
      return null
    }
    NUMBER.lastIndex = i
    const m = NUMBER.exec(text)
    if (m) {
      i += m[0].length
      return Number(m[0])
    }
    return fail(i >= text.length ? 'unexpected end of document' : 'unexpected character')
  }
  const value = readValue(0)
  skipWs()
  if (i !== text.length) fail('unexpected data after the document')
  return value
}
