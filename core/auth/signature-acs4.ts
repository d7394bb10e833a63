/**
 * @module core/auth/signature-acs4
 *
 * Alibaba ACS4-HMAC-SHA256 request signatures, as computed by `@alicloud/gateway-pop` (the
 * openapi-core clients with `signatureVersion: 'v4'`). The canonical request is ACS3's
 * (core/auth/signature-acs3.ts); the string to sign and the key differ:
 *
 * ```text
 * StringToSign  = "ACS4-HMAC-SHA256\n" + hex(SHA-256(CanonicalRequest))
 * SigningKey    = HMAC(HMAC(HMAC(HMAC("aliyun_v4" + secret, yyyymmdd), region), product), "aliyun_v4_request")
 * Signature     = hex(HMAC-SHA256(SigningKey, StringToSign))
 * Authorization = "ACS4-HMAC-SHA256 Credential=<AKID>/<yyyymmdd>/<region>/<product>/aliyun_v4_request,
 *                  SignedHeaders=<a;b>,Signature=<hex>"
 * ```
 *
 * Verification accepts the standard derivation above and the one @alicloud/gateway-pop for Node
 * actually computes (see {@link acs4SigningKey}).
 *
 * Every check ACS3 makes applies unchanged (required and `x-acs-*` headers signed, body hash,
 * nonce, timestamp): the header is re-read as its ACS3 form and handed to `parseAcs3Signature`;
 * only the verification differs. The scope's date must be the date of `x-acs-date` (UTC); region
 * and product are taken as the client states them (the key is bound to them).
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromHex, timingSafeEqual, toHex, utf8 } from '../crypto/bytes'
import { KmsError } from '../errors'
import { incompleteSignature } from './common'
import { sha256Hex } from './hmac'
import { canonicalRequestAcs3, parseAcs3Signature } from './signature-acs3'
import type { ParsedSignature, SignedRequestInput } from './signature-types'

export const ACS4_ALGORITHM = 'ACS4-HMAC-SHA256'
const SCOPE = /^([A-Za-z0-9._-]{1,128})\/(\d{8})\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{1,64})\/aliyun_v4_request$/
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

/** Whether a request claims an ACS4 signature (its Authorization starts with `ACS4-`). */
export function isAcs4Request(req: SignedRequestInput): boolean {
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.toLowerCase() === 'authorization') return value.trimStart().startsWith('ACS4-')
  }
  return false
}

function malformed(): KmsError {
  return incompleteSignature('The Authorization header is malformed.')
}

const lossy = new TextDecoder('utf-8')

/**
 * The ACS4 signing key of `secret` for a scope. `asText`: the derivation of @alicloud/gateway-pop
 * for Node, whose `HmacSHA256SignByBytes` turns each intermediate key into a string
 * (`Buffer#toString`, UTF-8 with U+FFFD for invalid sequences) and HMACs with that string's
 * UTF-8: a lossy but deterministic function of the secret, which that client needs to verify.
 */
export function acs4SigningKey(secret: string, date: string, region: string, product: string, asText = false): Uint8Array {
  const key = (k: Uint8Array) => (asText ? utf8(lossy.decode(k)) : k)
  const k1 = hmac(sha256, utf8(`aliyun_v4${secret}`), utf8(date))
  const k2 = hmac(sha256, key(k1), utf8(region))
  const k3 = hmac(sha256, key(k2), utf8(product))
  return key(hmac(sha256, key(k3), utf8('aliyun_v4_request')))
}

/**
 * Reads an ACS4 signature and prepares its verification.
 * @throws KmsError as parseAcs3Signature, and `auth.incompleteSignature` for a malformed scope or
 *   one whose date is not the request's; `request.malformed` for duplicate headers.
 */
export function parseAcs4Signature(req: SignedRequestInput): ParsedSignature {
  const headers = new Map<string, string>()
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase()
    if (headers.has(lower)) throw new KmsError('request.malformed', 'A request header is specified more than once.')
    headers.set(lower, value)
  }
  const authorization = headers.get('authorization')!.trim()
  const space = authorization.search(/\s/)
  if (space < 0 || authorization.slice(0, space) !== ACS4_ALGORITHM) {
    throw incompleteSignature(`The signature algorithm is not supported; only ${ACS4_ALGORITHM} is.`)
  }
  const fields = new Map<string, string>()
  for (const part of authorization.slice(space + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) throw malformed()
    const name = part.slice(0, eq).trim()
    if (!['Credential', 'SignedHeaders', 'Signature'].includes(name) || fields.has(name)) throw malformed()
    fields.set(name, part.slice(eq + 1).trim())
  }
  const scope = SCOPE.exec(fields.get('Credential') ?? '')
  const signedHeaders = fields.get('SignedHeaders')
  const signatureHex = fields.get('Signature')
  if (!scope || signedHeaders === undefined || signatureHex === undefined || !/^[0-9a-fA-F]{64}$/.test(signatureHex)) throw malformed()
  const [, accessKeyId, date, region, product] = scope as unknown as [string, string, string, string, string]
  // Everything but the verification is ACS3's: parse the same request as its ACS3 form.
  const acs3 = parseAcs3Signature(
    req,
    headers,
    `ACS3-HMAC-SHA256 Credential=${accessKeyId},SignedHeaders=${signedHeaders},Signature=${signatureHex}`,
  )
  const requestDate = new Date(acs3.timestamp).toISOString().slice(0, 10).replace(/-/g, '')
  if (date !== requestDate) throw incompleteSignature('The credential scope date does not match x-acs-date.')
  const names = signedHeaders.split(';')
  if (names.some((n) => !HEADER_NAME.test(n))) throw malformed()
  const canonical = canonicalRequestAcs3({ method: req.method, path: req.path, query: req.query, headers, signedHeaders: names.sort() })
  const signature = fromHex(signatureHex)!
  return {
    scheme: 'ACS3',
    accessKeyId,
    nonce: acs3.nonce,
    timestamp: acs3.timestamp,
    async verify(secret: string): Promise<boolean> {
      if (secret === '') return false
      const stringToSign = utf8(`${ACS4_ALGORITHM}\n${await sha256Hex(canonical)}`)
      // The standard derivation (bytes), and the one @alicloud/gateway-pop for Node computes.
      let ok = false
      for (const asText of [false, true]) {
        const key = acs4SigningKey(secret, date, region, product, asText)
        ok = timingSafeEqual(hmac(sha256, key, stringToSign), signature) || ok
        key.fill(0)
      }
      return ok
    },
    mismatchMessage: () => acs3.mismatchMessage(),
  }
}

/** For tests: the ACS4 signature (hex) of a canonical request. */
export async function signAcs4(
  canonical: string,
  secret: string,
  date: string,
  region: string,
  product: string,
  asText = false,
): Promise<string> {
  return toHex(
    hmac(sha256, acs4SigningKey(secret, date, region, product, asText), utf8(`${ACS4_ALGORITHM}\n${await sha256Hex(canonical)}`)),
  )
}
