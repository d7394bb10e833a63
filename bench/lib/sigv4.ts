/**
 * @module bench/lib/sigv4
 * AWS-dialect requests for the load generator: `POST /` with `X-Amz-Target`, an
 * `application/x-amz-json-1.1` body and a SigV4 `Authorization` header, signed with node:crypto
 * (synchronous, much cheaper per request than @smithy/signature-v4 or core's @noble signer).
 *
 * What is precomputed: the day's signing key (4 HMACs, once per date) and each distinct body's
 * SHA-256 (the workload has one body per key). Per request: the canonical request, one SHA-256
 * and one HMAC-SHA256.
 *
 * Every request signs a fresh `amz-sdk-invocation-id` (as the AWS SDK for JavaScript v3 does):
 * the server then treats it as the request's nonce, claims it with the audit record and refuses
 * a replay, exactly like the Alibaba `SignatureNonce` of the V1 rows — so the AWS row costs the
 * server what the Alibaba row does. (Without that header the server claims no nonce and would
 * accept one signed request re-sent for ±15 minutes, as AWS does: cheaper, and not the same
 * work; see core/auth/signature-sigv4.ts and README "AWS dialect".)
 *
 * `crossCheckSigV4` verifies a request built here with the server's own parser and verifier
 * (core `parseSigV4Signature`), so the two cannot drift apart; `test: bench/lib/sigv4.test.ts`
 * also checks it against @smithy/signature-v4.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto'
import { parseSigV4Signature } from '../../core/auth/signature-sigv4'

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  /** The SigV4 scope's region (the stack's regionId). */
  region: string
}

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1'

/** `yyyymmddThhmmssZ` of `ms`. */
export function amzDate(ms = Date.now()): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

export interface SignedAwsRequest {
  /** Header name → value, in the order they are written (Authorization last). */
  headers: Array<[string, string]>
  authorization: string
}

/** A SigV4 signer for one credential and service, with the day's signing key cached. */
export class SigV4Signer {
  private keyDate = ''
  private key: Buffer | undefined

  constructor(
    readonly creds: AwsCredentials,
    readonly service: string,
  ) {}

  signingKey(date: string): Buffer {
    if (this.key && this.keyDate === date) return this.key
    const kDate = createHmac('sha256', `AWS4${this.creds.secretAccessKey}`).update(date).digest()
    const kRegion = createHmac('sha256', kDate).update(this.creds.region).digest()
    const kService = createHmac('sha256', kRegion).update(this.service).digest()
    this.key = createHmac('sha256', kService).update('aws4_request').digest()
    this.keyDate = date
    return this.key
  }

  /**
   * Signs `POST /` (no query) with the headers given (lower-case names; every one is signed) plus
   * `host` and `x-amz-date`.
   */
  sign(o: { host: string; amzDate: string; headers: Record<string, string>; bodySha256Hex: string }): SignedAwsRequest {
    const all: Record<string, string> = { ...o.headers, host: o.host, 'x-amz-date': o.amzDate }
    const names = Object.keys(all).sort()
    let canonicalHeaders = ''
    for (const n of names) canonicalHeaders += `${n}:${all[n]!.trim().replace(/\s+/g, ' ')}\n`
    const signedHeaders = names.join(';')
    const canonical = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${o.bodySha256Hex}`
    const date = o.amzDate.slice(0, 8)
    const scope = `${date}/${this.creds.region}/${this.service}/aws4_request`
    const toSign = `AWS4-HMAC-SHA256\n${o.amzDate}\n${scope}\n${sha256Hex(canonical)}`
    const signature = createHmac('sha256', this.signingKey(date)).update(toSign, 'utf8').digest('hex')
    const authorization = `AWS4-HMAC-SHA256 Credential=${this.creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
    return { headers: [...names.map((n) => [n, all[n]!] as [string, string]), ['authorization', authorization]], authorization }
  }
}

/** The headers of one AWS JSON call (target, content type, and a fresh invocation id unless `false`). */
export function awsJsonHeaders(target: string, invocationId: string | false = randomUUID()): Record<string, string> {
  return {
    'content-type': AWS_JSON_CONTENT_TYPE,
    'x-amz-target': target,
    ...(invocationId === false ? {} : { 'amz-sdk-invocation-id': invocationId }),
  }
}

/** The raw HTTP/1.1 bytes of one signed AWS JSON call (keep-alive). */
export function awsRequestBytes(
  signer: SigV4Signer,
  o: { host: string; target: string; body: string; bodySha256Hex?: string; nowMs?: number; invocationId?: string | false },
): Buffer {
  const signed = signer.sign({
    host: o.host,
    amzDate: amzDate(o.nowMs),
    headers: awsJsonHeaders(o.target, o.invocationId),
    bodySha256Hex: o.bodySha256Hex ?? sha256Hex(o.body),
  })
  let head = 'POST / HTTP/1.1\r\n'
  for (const [name, value] of signed.headers) head += `${name}: ${value}\r\n`
  head += `content-length: ${Buffer.byteLength(o.body)}\r\nconnection: keep-alive\r\n\r\n`
  return Buffer.from(head + o.body, 'utf8')
}

/**
 * Throws unless core's SigV4 parser and verifier (what the server runs) accept a request signed
 * here for `host`, `target` and `body`.
 */
export async function crossCheckSigV4(signer: SigV4Signer, host: string, target: string, body: string): Promise<void> {
  const bodySha256Hex = sha256Hex(body)
  const signed = signer.sign({ host, amzDate: amzDate(), headers: awsJsonHeaders(target), bodySha256Hex })
  const parsed = parseSigV4Signature(
    { method: 'POST', path: '/', query: [], headers: Object.fromEntries(signed.headers), bodySha256Hex },
    { region: signer.creds.region, service: signer.service },
  )
  if (parsed.nonce === '') throw new Error('bench SigV4 signer: the server sees no nonce (amz-sdk-invocation-id not signed)')
  if (!(await parsed.verify(signer.creds.secretAccessKey))) throw new Error('bench SigV4 signer disagrees with core parseSigV4Signature')
}

/** One signed AWS JSON call through fetch (setup only, not load). */
export async function callAws(
  endpoint: string,
  signer: SigV4Signer,
  target: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, any> }> {
  const url = new URL(endpoint)
  const text = JSON.stringify(body)
  const signed = signer.sign({ host: url.host, amzDate: amzDate(), headers: awsJsonHeaders(target), bodySha256Hex: sha256Hex(text) })
  const res = await fetch(new URL('/', url), {
    method: 'POST',
    headers: Object.fromEntries(signed.headers.filter(([n]) => n !== 'host')),
    body: text,
    signal: AbortSignal.timeout(30_000),
  })
  const answer = await res.text()
  let parsed: Record<string, any>
  try {
    parsed = JSON.parse(answer) as Record<string, any>
  } catch {
    parsed = { raw: answer.slice(0, 500) }
  }
  return { status: res.status, body: parsed }
}
