/**
 * @module core/store/wire/codec
 *
 * Document values ⇄ DynamoDB JSON, as `@aws-sdk/util-dynamodb` `marshall` / `unmarshall` do it
 * under `DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } })`,
 * but straight to and from the wire form: binaries are base64 strings here (the SDK's JSON
 * serializer does that step separately), so one walk per direction is all it costs.
 *
 * Deliberate differences from util-dynamodb, all on inputs it refuses or mangles:
 * - a plain object with an own `constructor` property is a map here (util-dynamodb throws);
 * - a `__proto__` key stays an own key both ways (util-dynamodb sets the prototype instead);
 * - error messages never quote the value (util-dynamodb does; items hold wrapped key material).
 */

/** One DynamoDB JSON attribute value. */
export type WireAttr =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: WireAttr[] }
  | { M: Record<string, WireAttr> }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }

// ---------------------------------------------------------------------------------------------
// base64 (no Buffer, no atob: the same code in workerd and Node)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_INDEX = new Int16Array(128).fill(-1)
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i

export function toBase64(bytes: Uint8Array): string {
  let out = ''
  const n = bytes.length
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out += B64[v >>> 18]! + B64[(v >>> 12) & 63]! + B64[(v >>> 6) & 63]! + B64[v & 63]!
  }
  if (i < n) {
    const rest = n - i
    const v = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0)
    out += B64[v >>> 18]! + B64[(v >>> 12) & 63]! + (rest === 2 ? B64[(v >>> 6) & 63]! : '=') + '='
  }
  return out
}

export function fromBase64(text: string): Uint8Array {
  let len = text.length
  while (len > 0 && text.charCodeAt(len - 1) === 61 /* = */) len--
  if (len % 4 === 1) throw new Error('DynamoDB sent an invalid base64 binary value.')
  const out = new Uint8Array(Math.floor((len * 3) / 4))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? (B64_INDEX[c] as number) : -1
    if (v < 0) throw new Error('DynamoDB sent an invalid base64 binary value.')
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >>> bits) & 0xff
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// marshall

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`Special numeric value ${n} is not allowed.`)
  if (n > Number.MAX_SAFE_INTEGER || n < Number.MIN_SAFE_INTEGER) {
    throw new Error('A number outside the safe integer range cannot be stored exactly; use a bigint.')
  }
  return n.toString()
}

function binaryText(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return toBase64(value)
  if (ArrayBuffer.isView(value)) return toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  if (value instanceof ArrayBuffer) return toBase64(new Uint8Array(value))
  return undefined
}

function unsupported(what: string): Error {
  return new Error(`Cannot marshall a value of type ${what} to DynamoDB.`)
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function marshallMap(value: Record<string, unknown>): Record<string, WireAttr> {
  const M: Record<string, WireAttr> = {}
  for (const key in value) {
    const v = value[key]
    if (v === undefined || typeof v === 'function') continue
    setOwn(M, key, toWire(v))
  }
  return M
}

function marshallSet(set: Set<unknown>): WireAttr {
  const values = [...set].filter((v) => v !== undefined)
  if (values.length === 0) throw new Error('Pass a non-empty set.')
  const first = values[0]
  if (typeof first === 'string') {
    return { SS: values.map((v) => (typeof v === 'string' ? v : mixed())) }
  }
  if (typeof first === 'number' || typeof first === 'bigint') {
    return {
      NS: values.map((v) => (typeof v === 'number' ? numberText(v) : typeof v === 'bigint' ? v.toString() : mixed())),
    }
  }
  if (binaryText(first) !== undefined) return { BS: values.map((v) => binaryText(v) ?? mixed()) }
  throw new Error('Only Number Set (NS), Binary Set (BS) or String Set (SS) are allowed.')
}

function mixed(): never {
  throw new Error('A set must hold values of one type.')
}

/** One document value as a DynamoDB JSON attribute value (`undefined` is refused; callers skip it). */
export function toWire(value: unknown): WireAttr {
  switch (typeof value) {
    case 'string':
      return { S: value }
    case 'number':
      return { N: numberText(value) }
    case 'boolean':
      return { BOOL: value }
    case 'bigint':
      return { N: value.toString() }
    case 'object':
      break
    default:
      throw unsupported(typeof value)
  }
  if (value === null) return { NULL: true }
  if (Array.isArray(value)) {
    const L: WireAttr[] = []
    for (const item of value) {
      if (item === undefined || typeof item === 'function') continue
      L.push(toWire(item))
    }
    return { L }
  }
  if (isPlainObject(value)) return { M: marshallMap(value as Record<string, unknown>) }
  const binary = binaryText(value)
  if (binary !== undefined) return { B: binary }
  if (value instanceof Set) return marshallSet(value)
  if (value instanceof Map) {
    const M: Record<string, WireAttr> = {}
    for (const [k, v] of value as Map<unknown, unknown>) {
      if (v === undefined || typeof v === 'function') continue
      setOwn(M, String(k), toWire(v))
    }
    return { M }
  }
  if (value instanceof String) return { S: value.toString() }
  if (value instanceof Number) return { N: numberText(value.valueOf()) }
  if (value instanceof Boolean) return { BOOL: value.valueOf() }
  throw unsupported(value.constructor?.name ? 'object (class instance)' : 'object')
}

/** A document map (Key, Item, ExpressionAttributeValues, …) as a map of attribute values. */
export function toWireMap(value: Record<string, unknown> | undefined): Record<string, WireAttr> | undefined {
  if (value === undefined || value === null) return value as undefined
  const out: Record<string, WireAttr> = {}
  for (const key of Object.keys(value)) {
    const v = value[key]
    if (v === undefined || typeof v === 'function') continue
    setOwn(out, key, toWire(v))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// unmarshall

function nativeNumber(text: string): number | bigint {
  const n = Number(text)
  if ((n > Number.MAX_SAFE_INTEGER || n < Number.MIN_SAFE_INTEGER) && n !== Infinity && n !== -Infinity) {
    try {
      return BigInt(text)
    } catch {
      throw new Error('DynamoDB sent a number that is neither a safe number nor an integer.')
    }
  }
  return n
}

/** One DynamoDB JSON attribute value as a document value (numbers as `number`, big integers as `bigint`). */
export function fromWire(attr: unknown): unknown {
  const a = attr as Record<string, unknown>
  for (const type in a) {
    const v = a[type]
    if (v === undefined) continue
    switch (type) {
      case 'S':
        return v
      case 'N':
        return nativeNumber(v as string)
      case 'BOOL':
        return Boolean(v)
      case 'NULL':
        return null
      case 'M':
        return fromWireMap(v as Record<string, unknown>)
      case 'L': {
        const list = v as unknown[]
        const out = new Array<unknown>(list.length)
        for (let i = 0; i < list.length; i++) out[i] = fromWire(list[i])
        return out
      }
      case 'B':
        return fromBase64(v as string)
      case 'SS':
        return new Set(v as string[])
      case 'NS':
        return new Set((v as string[]).map(nativeNumber))
      case 'BS':
        return new Set((v as string[]).map(fromBase64))
      default:
        throw new Error(`Unsupported type passed: ${type}`)
    }
  }
  throw new Error('DynamoDB sent an attribute value without a type.')
}

/** A map of attribute values (Item, Key, …) as a document. */
export function fromWireMap(map: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key in map) setOwn(out, key, fromWire(map[key]))
  return out
}

/**
 * `@aws-sdk/util-dynamodb`'s `unmarshall`, for the Worker bundle, which resolves that package to
 * this module (wrangler.toml `[alias]`): dynamodb-toolbox calls it on the item a failed condition
 * returns.
 */
export function unmarshall(map: Record<string, unknown>): Record<string, unknown> {
  return fromWireMap(map)
}
