/**
 * @module core/crypto/asymmetric/der
 *
 * The little DER this service needs: a strict reader (single-byte tags, definite minimal
 * lengths, no trailing bytes) and a writer for the fixed structures of EC keys (PKCS#8, SPKI),
 * plus PEM armour. Anything else about X.690 is out of scope on purpose: RSA keys are parsed by
 * WebCrypto / BoringSSL, ECDSA signatures by @noble/curves.
 */
import { concatBytes, fromBase64, toBase64 } from '../bytes'

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const

/** One decoded tag-length-value. `value` is a view into the input. */
export interface Tlv {
  tag: number
  value: Uint8Array
}

/** Thrown for any malformed input; callers turn it into their own error. */
export class DerError extends Error {
  constructor(why: string) {
    super(`malformed DER: ${why}`)
    this.name = 'DerError'
  }
}

function readOne(bytes: Uint8Array, offset: number): { tlv: Tlv; end: number } {
  if (offset + 2 > bytes.length) throw new DerError('truncated header')
  const tag = bytes[offset]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported')
  let length = bytes[offset + 1]!
  let start = offset + 2
  if (length & 0x80) {
    const n = length & 0x7f
    if (n === 0 || n > 3) throw new DerError('unsupported length form')
    if (start + n > bytes.length) throw new DerError('truncated length')
    length = 0
    for (let i = 0; i < n; i++) length = (length << 8) | bytes[start + i]!
    // DER: the shortest form, and no leading zero octet in the long form.
    if (length < 0x80 || bytes[start] === 0) throw new DerError('non-minimal length')
    start += n
  }
  const end = start + length
  if (end > bytes.length) throw new DerError('truncated value')
  return { tlv: { tag, value: bytes.subarray(start, end) }, end }
}

/**
 * Decodes exactly one TLV spanning all of `bytes`.
 * @throws DerError when malformed, when bytes remain, or when the tag is not `expectedTag`
 */
export function decodeOne(bytes: Uint8Array, expectedTag?: number): Tlv {
  const { tlv, end } = readOne(bytes, 0)
  if (end !== bytes.length) throw new DerError('trailing bytes')
  if (expectedTag !== undefined && tlv.tag !== expectedTag) throw new DerError('unexpected tag')
  return tlv
}

/**
 * The children of a constructed value's contents, in order.
 * @throws DerError when any child is malformed
 */
export function decodeChildren(contents: Uint8Array): Tlv[] {
  const out: Tlv[] = []
  let offset = 0
  while (offset < contents.length) {
    const { tlv, end } = readOne(contents, offset)
    out.push(tlv)
    offset = end
  }
  return out
}

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  if (n < 0x100) return Uint8Array.of(0x81, n)
  if (n < 0x10000) return Uint8Array.of(0x82, n >> 8, n & 0xff)
  throw new RangeError('DER value too long')
}

/** Encodes one TLV whose contents are the concatenation of `parts`. */
export function encodeTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const value = concatBytes(...parts)
  return concatBytes(Uint8Array.of(tag), encodeLength(value.length), value)
}

/** True when two byte strings are equal (public data only: not constant time). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** PEM armour (RFC 7468): 64-character lines, trailing newline. */
export function toPem(der: Uint8Array, label: 'PUBLIC KEY' | 'PRIVATE KEY'): string {
  const b64 = toBase64(der)
  const lines: string[] = []
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64))
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/**
 * Strict PEM decoding of one block with the given label (RFC 7468 "strict" form, CRLF allowed).
 * @returns the DER bytes, or undefined when the text is not exactly one such block
 */
export function fromPem(text: string, label: 'PUBLIC KEY' | 'PRIVATE KEY'): Uint8Array | undefined {
  const m = new RegExp(`^-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+?)\\r?\\n?-----END ${label}-----\\r?\\n?$`).exec(text)
  if (!m) return undefined
  return fromBase64(m[1]!.replace(/\r?\n/g, ''))
}
