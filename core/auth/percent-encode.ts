/**
 * @module core/auth/percent-encode
 *
 * The two text codecs every Alibaba signature depends on:
 * - {@link percentEncode}: the strict RFC 3986 encoding the SDKs sign with (`encodeURIComponent`
 *   plus `!'()*`). The SDKs put values on the wire with Node `querystring`, which leaves `!'()*`
 *   raw, so a verifier must decode what arrived and re-encode it with this function; it must
 *   never sign the raw query string.
 * - {@link parseFormEncoded}: a strict `application/x-www-form-urlencoded` / URL query parser.
 */

import { KmsError } from '../errors'

const RFC3986_EXTRA = /[!'()*]/g

/**
 * Alibaba's strict percent-encoding: `encodeURIComponent`, then `!'()*` → `%21 %27 %28 %29 %2A`.
 * `~` stays as is (RFC 3986 unreserved).
 *
 * @throws {KmsError} `request.malformed` when `text` holds a lone UTF-16 surrogate (not Unicode).
 */
export function percentEncode(text: string): string {
  let encoded: string
  try {
    encoded = encodeURIComponent(text)
  } catch (cause) {
    throw new KmsError('request.malformed', 'A request parameter is not valid Unicode text.', {
      cause,
    })
  }
  return encoded.replace(RFC3986_EXTRA, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * Parses an `application/x-www-form-urlencoded` body or a raw URL query string (without the
 * leading `?`) into decoded `[name, value]` pairs, in order. `+` means a space; a segment without
 * `=` is a name with an empty value; empty segments (`a=1&&b=2`) are skipped, as URLSearchParams
 * does. Duplicate names are kept: rejecting them is the caller's decision.
 *
 * Unlike URLSearchParams this is strict: a `%` not followed by two hex digits, or escapes that do
 * not decode to valid UTF-8 (truncated, overlong, surrogates), are errors rather than being
 * passed through or replaced with U+FFFD.
 *
 * @throws {KmsError} `request.malformed` on a malformed percent-escape or invalid UTF-8.
 */
export function parseFormEncoded(raw: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  if (raw === '') return pairs
  for (const segment of raw.split('&')) {
    if (segment === '') continue
    const eq = segment.indexOf('=')
    const name = eq < 0 ? segment : segment.slice(0, eq)
    const value = eq < 0 ? '' : segment.slice(eq + 1)
    pairs.push([decodeComponent(name), decodeComponent(value)])
  }
  return pairs
}

function decodeComponent(text: string): string {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text
  if (!spaced.includes('%')) return spaced
  try {
    // decodeURIComponent rejects bad escapes and invalid UTF-8 (ECMA-262 Decode), unlike
    // URLSearchParams which silently substitutes.
    return decodeURIComponent(spaced)
  } catch (cause) {
    throw new KmsError('request.malformed', 'The request contains a malformed percent-encoded parameter.', { cause })
  }
}
