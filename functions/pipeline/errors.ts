/**
 * @module functions/pipeline/errors
 *
 * Every failure leaves in Alibaba's error shape (functions/alibaba/errors.ts), with the
 * request id; 5xx failures are logged without values.
 */
import type { Context } from 'hono'
import type { FailureInfo } from '../../core/domain/audit/run-audited'
import { KmsError } from '../../core/errors'
import { alibabaError, errorBody } from '../alibaba/errors'
import { awsError, awsErrorBody } from '../aws/errors'
import { isAwsRequest } from '../aws/request'
import type { AppEnv } from './env'
import { newRequestId } from './request-id'

export function errorResponse(c: Context<AppEnv>, err: unknown): Response {
  const requestId = c.get('requestId') ?? newRequestId()
  if (c.get('aws') || isAwsRequest(c.req.raw)) return awsErrorResponse(c, requestId, err)
  const host = c.req.header('host') ?? 'kms'
  if (err instanceof KmsError) {
    const wire = alibabaError(err.code)
    if (wire.status >= 500) logFailure(requestId, c.get('action'), err)
    return c.json(errorBody(requestId, host, wire.code, err.message), wire.status, { 'x-acs-request-id': requestId })
  }
  logFailure(requestId, c.get('action'), err)
  const wire = alibabaError('internal')
  return c.json(errorBody(requestId, host, wire.code, 'The request processing has failed due to some unknown error.'), wire.status, {
    'x-acs-request-id': requestId,
  })
}

/**
 * The AWS dialect's error: JSON 1.1 `{"__type", "message"}` with `x-amzn-errortype` and
 * `x-amzn-requestid` (functions/aws/errors.ts has the one table of names and statuses).
 */
function awsErrorResponse(c: Context<AppEnv>, requestId: string, err: unknown): Response {
  const service = c.get('aws')?.request.service ?? (c.req.header('x-amz-target')?.startsWith('secretsmanager.') ? 'secretsmanager' : 'kms')
  const known = err instanceof KmsError
  const wire = awsError(service, known ? err.code : 'internal')
  if (!known || wire.status >= 500) logFailure(requestId, c.get('action'), err)
  const message = known ? err.message : 'The request processing has failed due to some unknown error.'
  return c.body(JSON.stringify(awsErrorBody(wire.type, message)), wire.status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': wire.type,
  })
}

/** Logs what failed without values: error names and codes only, never messages of causes. */
function logFailure(requestId: string, action: string | undefined, err: unknown): void {
  const cause = err instanceof Error ? (err.cause as Error | undefined) : undefined
  console.error(
    JSON.stringify({
      level: 'error',
      requestId,
      action,
      error: err instanceof KmsError ? err.code : ((err as Error)?.name ?? 'unknown'),
      cause: cause?.name,
    }),
  )
}

/** Wire code and status of a failure, as the response will carry them. */
export function wireFailure(err: unknown): FailureInfo {
  const wire = alibabaError(err instanceof KmsError ? err.code : 'internal')
  return { errorCode: wire.code, httpStatus: wire.status }
}
