/**
 * @module core/auth/timestamp
 *
 * Parsing of the signed request time (`Timestamp` for V1, `x-acs-date` for ACS3) and the
 * freshness window. Pure: the caller passes `now`, nothing here reads a clock.
 */

import { KmsError } from '../errors'

/** Alibaba accepts requests whose timestamp is within 15 minutes of the server clock. */
export const DEFAULT_TIMESTAMP_WINDOW_MS = 15 * 60_000

// YYYY-MM-DDThh:mm:ssZ, optionally with a fraction of a second (some SDKs send milliseconds).
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/

/**
 * Parses a signature timestamp in UTC ISO 8601 form, `YYYY-MM-DDThh:mm:ssZ` or with a fraction
 * (`…:ss.SSSZ`), into milliseconds since the epoch. Offsets other than `Z`, missing seconds and
 * impossible dates (Feb 30, hour 24, leap second 60) are rejected. A fraction beyond milliseconds
 * is truncated.
 *
 * @throws {KmsError} `auth.illegalTimestamp` when `text` is not in that form.
 */
export function parseSignatureTimestamp(text: string): number {
  const m = ISO_UTC.exec(text)
  if (m === null) throw illegalFormat()
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms))
  // Date.UTC silently normalises overflowing fields and maps years 0..99 to 19xx: round-trip to
  // refuse anything that is not literally the calendar time written.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    throw illegalFormat()
  }
  return date.getTime()
}

/**
 * Rejects a request whose signed time is more than `windowMs` before or after `nowMs`. Exactly
 * `windowMs` away is still accepted.
 *
 * @throws {KmsError} `auth.illegalTimestamp` outside the window, or when either time is not a
 *   finite number.
 */
export function assertFreshTimestamp(timestampMs: number, nowMs: number, windowMs: number = DEFAULT_TIMESTAMP_WINDOW_MS): void {
  if (!Number.isFinite(timestampMs) || !Number.isFinite(nowMs) || Math.abs(timestampMs - nowMs) > windowMs) {
    throw new KmsError('auth.illegalTimestamp', 'Specified time stamp or date value is expired.')
  }
}

function illegalFormat(): KmsError {
  return new KmsError('auth.illegalTimestamp', 'The specified timestamp or date is not in the format YYYY-MM-DDThh:mm:ssZ.')
}
