/**
 * @module hsm-bridge/xks/server
 *
 * The bridge as an XKS proxy (AWS XKS proxy API v1) over its PKCS#11 token: a second node:http
 * listener serving, for each configured URI prefix,
 *
 * ```
 * POST {uriPrefix}/kms/xks/v1/health                          GetHealthStatus
 * POST {uriPrefix}/kms/xks/v1/keys/{externalKeyId}/metadata   GetKeyMetadata
 * POST {uriPrefix}/kms/xks/v1/keys/{externalKeyId}/encrypt    Encrypt (AES_GCM)
 * POST {uriPrefix}/kms/xks/v1/keys/{externalKeyId}/decrypt    Decrypt (AES_GCM)
 * ```
 *
 * Order of checks: URI prefix and route (404 InvalidUriPathException) → method (405 for
 * anything but POST, as the spec requires) → body size (413) → SigV4 (401
 * AuthenticationFailedException; service `kms-xks-proxy`, ±5 min skew, the prefix's own
 * credentials) → JSON body and `requestMetadata` (400 ValidationException) → the operation.
 * Nothing touches the HSM before authentication. Error bodies are `{errorName, errorMessage}`.
 * Plaintext, AAD and key material are never logged; the log has the route, status and the
 * request's `kmsRequestId`-free outcome only.
 */

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

import type { Logger } from '../log.js'
import { describe } from '../pkcs11/errors.js'
import { readBody } from '../read-body.js'
import type { XksConfig, XksStoreConfig } from './config.js'
import { toXksError, XksError } from './errors.js'
import {
  cdiv,
  EXTERNAL_KEY_ID,
  keyMetadata,
  MAX_CIPHERTEXT_METADATA,
  MAX_XKS_AAD,
  MAX_XKS_PLAINTEXT,
  xksDecrypt,
  xksEncrypt,
  type XksKeyContext,
} from './keys.js'
import { verify } from './sigv4.js'

export const MAX_XKS_BODY_BYTES = 256 * 1024
const API_PATH = '/kms/xks/v1/'
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export interface XksServerOptions {
  config: Pick<XksConfig, 'region' | 'stores'>
  keys: XksKeyContext
  /** Pool health (C_GetTokenInfo). */
  healthy: () => boolean
  logger: Logger
  now?: () => number
}

type Json = Record<string, unknown>

interface Route {
  store: XksStoreConfig
  op: 'health' | 'metadata' | 'encrypt' | 'decrypt'
  keyId?: string
}

/** Finds the store and operation of a request path. */
export function route(stores: readonly XksStoreConfig[], path: string): Route | undefined {
  for (const store of stores) {
    const base = `${store.uriPrefix}${API_PATH}`
    if (!path.startsWith(base)) continue
    const rest = path.slice(base.length)
    if (rest === 'health') return { store, op: 'health' }
    const m = /^keys\/([^/]+)\/(metadata|encrypt|decrypt)$/.exec(rest)
    if (m === null) return undefined
    let keyId: string
    try {
      keyId = decodeURIComponent(m[1]!)
    } catch {
      return undefined
    }
    return { store, op: m[2] as Route['op'], keyId }
  }
  return undefined
}

/**
 * Builds the XKS listener (not yet listening).
 *
 * @throws never
 */
export function createXksServer(options: XksServerOptions): Server {
  const now = options.now ?? Date.now
  const server = createHttpServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger.log('debug', 'xks response not delivered', describe(err))
    })
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.keepAliveTimeout = 5_000
  return server

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? ''
    const [path, query] = splitTarget(target)
    const r = route(options.config.stores, path)
    if (r === undefined || (r.keyId !== undefined && !EXTERNAL_KEY_ID.test(r.keyId))) {
      // An unknown key id shape cannot name a key; the spec's answer for a bad path.
      if (r?.keyId !== undefined) return sendError(res, r.op, new XksError('KeyNotFoundException', 'No such external key.'))
      return sendError(res, 'route', new XksError('InvalidUriPathException', 'No such URI path.'))
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST')
      return send(res, r.op, 405, { errorName: 'UnsupportedOperationException', errorMessage: 'Only POST is allowed.' })
    }
    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) > MAX_XKS_BODY_BYTES) {
      res.setHeader('connection', 'close')
      return send(res, r.op, 413, { errorName: 'ValidationException', errorMessage: 'The body is too large.' })
    }
    const body = await readBody(req, MAX_XKS_BODY_BYTES)
    if (body === 'tooLarge') {
      res.setHeader('connection', 'close')
      return send(res, r.op, 413, { errorName: 'ValidationException', errorMessage: 'The body is too large.' })
    }
    const secrets = new Map(r.store.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]))
    const auth = verify({
      method: 'POST',
      path,
      headers: req.headers,
      body,
      secretOf: (id) => secrets.get(id),
      ...(options.config.region === undefined ? {} : { region: options.config.region }),
      now: now(),
    })
    if (!auth.ok) {
      options.logger.log('warn', 'xks request rejected', { op: r.op, reason: auth.reason })
      return sendError(res, r.op, new XksError('AuthenticationFailedException', 'Request authentication failed.'))
    }
    if (query !== '') return sendError(res, r.op, new XksError('ValidationException', 'The query string must be empty.'))
    try {
      const json = parseJson(body)
      const result = await run(r, json)
      send(res, r.op, 200, result)
    } catch (err) {
      sendError(res, r.op, toXksError(err))
    }
  }

  async function run(r: Route, body: Json): Promise<Json> {
    const ctx = options.keys
    switch (r.op) {
      case 'health': {
        metadataFields(body, ['kmsRequestId', 'kmsOperation'])
        const ok = options.healthy()
        return {
          xksProxyFleetSize: 1,
          xksProxyVendor: 'edge-kms',
          xksProxyModel: 'hsm-bridge',
          ekmVendor: 'PKCS#11',
          ekmFleetDetails: [{ id: 'token-1', model: 'PKCS#11 token', healthStatus: ok ? 'ACTIVE' : 'UNAVAILABLE' }],
        }
      }
      case 'metadata': {
        metadataFields(body, ['awsPrincipalArn', 'kmsOperation', 'kmsRequestId'])
        return { ...(await keyMetadata(ctx, r.keyId!)) }
      }
      case 'encrypt': {
        metadataFields(body, ['awsPrincipalArn', 'kmsKeyArn', 'kmsOperation', 'kmsRequestId'])
        algorithm(body)
        const plaintext = b64(body, 'plaintext', 1, MAX_XKS_PLAINTEXT)!
        const aad = b64(body, 'additionalAuthenticatedData', 0, MAX_XKS_AAD, true) ?? Buffer.alloc(0)
        const cdivAlg = body.ciphertextDataIntegrityValueAlgorithm
        if (cdivAlg !== undefined && cdivAlg !== 'SHA_256') {
          throw new XksError('ValidationException', 'ciphertextDataIntegrityValueAlgorithm must be SHA_256.')
        }
        try {
          const out = await xksEncrypt(ctx, r.keyId!, plaintext, aad)
          const result: Json = {
            ciphertext: out.ciphertext.toString('base64'),
            initializationVector: out.iv.toString('base64'),
            authenticationTag: out.tag.toString('base64'),
          }
          if (cdivAlg === 'SHA_256') {
            // The spec: compute the CDIV, then prove the ciphertext decrypts, then answer.
            const value = cdiv(aad, Buffer.alloc(0), out.iv, out.ciphertext, out.tag)
            const check = await xksDecrypt(ctx, r.keyId!, { ...out, aad, metadata: Buffer.alloc(0) })
            const same = check.equals(plaintext)
            check.fill(0)
            if (!same) throw new XksError('InternalException', 'Internal error.')
            result.ciphertextDataIntegrityValue = value.toString('base64')
          }
          return result
        } finally {
          plaintext.fill(0)
        }
      }
      case 'decrypt': {
        metadataFields(body, ['awsPrincipalArn', 'kmsKeyArn', 'kmsOperation', 'kmsRequestId'])
        algorithm(body)
        const ciphertext = b64(body, 'ciphertext', 0, MAX_XKS_PLAINTEXT)!
        const aad = b64(body, 'additionalAuthenticatedData', 0, MAX_XKS_AAD, true) ?? Buffer.alloc(0)
        const metadata = b64(body, 'ciphertextMetadata', 0, MAX_CIPHERTEXT_METADATA, true) ?? Buffer.alloc(0)
        const iv = b64(body, 'initializationVector', 12, 16)!
        const tag = b64(body, 'authenticationTag', 16, 16)!
        // Only 12-byte IVs are ever produced here: another length cannot be ours.
        if (iv.length !== 12 || ciphertext.length === 0) {
          throw new XksError('InvalidCiphertextException', 'The ciphertext is invalid.')
        }
        const plaintext = await xksDecrypt(ctx, r.keyId!, { ciphertext, iv, tag, aad, metadata })
        try {
          return { plaintext: plaintext.toString('base64') }
        } finally {
          plaintext.fill(0)
        }
      }
    }
  }

  function sendError(res: ServerResponse, op: string, err: XksError): void {
    const level = err.status >= 500 ? 'warn' : 'info'
    options.logger.log(level, 'xks request failed', {
      op,
      errorName: err.errorName,
      ...(err.cause === undefined ? {} : describe(err.cause)),
    })
    if (err.status === 503) res.setHeader('retry-after', '1')
    send(res, op, err.status, { errorName: err.errorName, errorMessage: err.message })
  }

  function send(res: ServerResponse, op: string, status: number, payload: unknown): void {
    const body = Buffer.from(JSON.stringify(payload), 'utf8')
    res.statusCode = status
    res.setHeader('content-type', 'application/json')
    res.setHeader('content-length', body.length)
    res.setHeader('cache-control', 'no-store')
    res.end(body)
    options.logger.log('debug', 'xks request', { op, status })
  }
}

function splitTarget(target: string): [string, string] {
  const q = target.indexOf('?')
  return q < 0 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)]
}

function parseJson(raw: Buffer): Json {
  let value: unknown
  try {
    value = JSON.parse(raw.toString('utf8'))
  } catch {
    throw new XksError('ValidationException', 'The body must be a JSON object.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new XksError('ValidationException', 'The body must be a JSON object.')
  }
  return value as Json
}

function metadataFields(body: Json, required: readonly string[]): void {
  const md = body.requestMetadata
  if (typeof md !== 'object' || md === null || Array.isArray(md)) {
    throw new XksError('ValidationException', 'requestMetadata is required.')
  }
  for (const field of required) {
    const v = (md as Json)[field]
    if (typeof v !== 'string' || v.length === 0 || v.length > 2048) {
      throw new XksError('ValidationException', `requestMetadata.${field} is required.`)
    }
  }
}

function algorithm(body: Json): void {
  if (body.encryptionAlgorithm !== 'AES_GCM') {
    throw new XksError('ValidationException', 'encryptionAlgorithm must be AES_GCM.')
  }
}

function b64(body: Json, field: string, min: number, max: number, optional = false): Buffer | undefined {
  const v = body[field]
  if (v === undefined && optional) return undefined
  if (typeof v !== 'string' || !BASE64.test(v)) {
    throw new XksError('ValidationException', `${field} must be base64.`)
  }
  const bytes = Buffer.from(v, 'base64')
  if (bytes.length < min || bytes.length > max) {
    throw new XksError('ValidationException', `${field} must be ${min} to ${max} bytes.`)
  }
  return bytes
}
