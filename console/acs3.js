// ACS3-HMAC-SHA256 request signing in the browser (WebCrypto), the same canonical request as
// core/auth/signature-acs3.ts verifies and @alicloud/openapi-util builds:
//   METHOD \n path \n canonical query \n signed headers "name:value\n"… \n names ";" \n body hash
// Every parameter goes in the form body (never the URL), so the canonical query is empty and the
// body is covered by x-acs-content-sha256.

const encoder = new TextEncoder()

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Alibaba's strict RFC 3986 percent-encoding: encodeURIComponent plus !'()*. */
export function percentEncode(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export async function sha256Hex(text) {
  return hex(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
}

export async function hmacSha256Hex(secret, text) {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return hex(await crypto.subtle.sign('HMAC', key, encoder.encode(text)))
}

/** The form body: parameters sorted by name, empty or undefined values left out. */
export function formBody(params) {
  return Object.keys(params)
    .filter((name) => params[name] !== undefined && params[name] !== null && params[name] !== '')
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(String(params[name]))}`)
    .join('&')
}

/** `2026-11-23T12:23:20Z` (seconds, UTC). */
export function acsDate(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function canonicalRequest(method, path, headers, body256) {
  const names = Object.keys(headers).sort()
  return [method, path, '', names.map((n) => `${n}:${headers[n].trim()}\n`).join(''), names.join(';'), body256].join('\n')
}

/**
 * Signs one RPC call. Returns the headers to send (without `host`, which the browser sets to the
 * same value it was signed with) and the body.
 */
export async function signRequest({ host, accessKeyId, accessKeySecret, action, version, params, nowMs, nonce }) {
  const body = formBody(params ?? {})
  const bodyHash = await sha256Hex(body)
  const signed = {
    host,
    'x-acs-action': action,
    'x-acs-content-sha256': bodyHash,
    'x-acs-date': acsDate(nowMs ?? Date.now()),
    'x-acs-signature-nonce': nonce ?? crypto.randomUUID().replace(/-/g, ''),
    'x-acs-version': version,
  }
  if (body !== '') signed['content-type'] = 'application/x-www-form-urlencoded'
  const names = Object.keys(signed).sort()
  const stringToSign = `ACS3-HMAC-SHA256\n${await sha256Hex(canonicalRequest('POST', '/', signed, bodyHash))}`
  const signature = await hmacSha256Hex(accessKeySecret, stringToSign)
  const { host: _host, ...headers } = signed
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`
  return { headers, body }
}
