/**
 * @module core/store/common
 *
 * What every repository shares: the translation of store failures into domain errors, and the
 * encoding of user-keyed maps (tags, stage labels) as lists of pairs.
 */
import { ConditionFailed } from '../domain/ports'
import { KmsError } from '../errors'

const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded'])

/**
 * Runs a store call: a failed condition becomes {@link ConditionFailed}; any other store failure
 * becomes `store.unavailable`, so an outage is a retryable 503, never a 500 with internals, and
 * throttling that outlasted the client's retries `request.throttled` (429 Rejected.Throttling).
 */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof ConditionFailed || err instanceof KmsError) throw err
    // By name: the SDK's ConditionalCheckFailedException and the wire client's WireServiceError
    // (core/store/wire/client.ts) both carry it, and the Worker bundle has no SDK class to test.
    if ((err as Error)?.name === 'ConditionalCheckFailedException') {
      throw new ConditionFailed(what)
    }
    if (THROTTLING.has((err as Error)?.name)) {
      // Still throttled after the client's own retries: the caller should back off and retry.
      throw new KmsError('request.throttled', 'QPS Limit Exceeded. Retry the request later.', { cause: err })
    }
    throw new KmsError('store.unavailable', 'The service is temporarily unavailable. Retry the request.', {
      cause: err,
    })
  }
}

export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

export type Pairs = Array<{ k: string; v: string }>

/**
 * A map keyed by user data as a list of pairs: a DynamoDB map keyed by user data breaks the
 * marshaller for names like `constructor`, and `__proto__` would vanish.
 */
export function toPairs(map: Readonly<Record<string, string>>): Pairs {
  return Object.entries(map).map(([k, v]) => ({ k, v }))
}

/** The inverse of {@link toPairs}, as a null-prototype map. */
export function fromPairs(pairs: unknown): Record<string, string> {
  const map = Object.create(null) as Record<string, string>
  for (const { k, v } of (pairs as Pairs | undefined) ?? []) map[k] = v
  return map
}
