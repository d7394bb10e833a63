// Signed calls to the ordinary RPC endpoint with the AccessKey of this browser tab.
import { signRequest } from './acs3.js'

const SESSION_KEY = 'edge-kms-console'

export const VERSIONS = { kms: '2016-01-20', ram: '2015-05-01', trail: '2020-07-06' }

export class ApiError extends Error {
  constructor(code, message, status, requestId) {
    super(message)
    this.code = code
    this.status = status
    this.requestId = requestId
  }
}

/** The AccessKey pair, kept in sessionStorage only (gone when the tab closes). */
export function session() {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY)
    return raw ? JSON.parse(raw) : undefined
  } catch {
    return undefined
  }
}

export function saveSession(creds) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(creds))
}

export function endSession() {
  sessionStorage.removeItem(SESSION_KEY)
}

// Server time minus local time, learned from the Date header (the signature window is ±15 min).
let skewMs = 0

export async function call(service, action, params = {}, creds = session()) {
  if (!creds) throw new ApiError('NotSignedIn', 'Sign in first.', 0)
  const { headers, body } = await signRequest({
    host: location.host,
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    action,
    version: VERSIONS[service],
    params,
    nowMs: Date.now() + skewMs,
  })
  let response
  try {
    response = await fetch('/', {
      method: 'POST',
      headers: { ...headers, accept: 'application/json' },
      body: body === '' ? undefined : body,
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    })
  } catch (err) {
    throw new ApiError('NetworkError', `The service could not be reached (${err.message}).`, 0)
  }
  const date = Date.parse(response.headers.get('date') ?? '')
  if (!Number.isNaN(date)) skewMs = date - Date.now()
  let data
  try {
    data = await response.json()
  } catch {
    throw new ApiError('BadResponse', `The service answered HTTP ${response.status} without JSON.`, response.status)
  }
  if (!response.ok) throw new ApiError(data.Code ?? 'Error', data.Message ?? `HTTP ${response.status}`, response.status, data.RequestId)
  return data
}
