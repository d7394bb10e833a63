/**
 * @module functions/pipeline/request-id
 *
 * First step: a fresh request id for the request, and a Date header on every response
 * (clients correct clock skew from Date; the signature window is ±15 minutes).
 */
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env'

export function newRequestId(): string {
  return crypto.randomUUID().toUpperCase()
}

export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  c.set('requestId', newRequestId())
  await next()
  c.header('date', new Date().toUTCString())
})
