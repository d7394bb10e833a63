/**
 * @module core/domain/keys/rotation
 *
 * Rotation intervals as Alibaba writes them: `<n>d` days or `<n>s` seconds (e.g. `604800s`),
 * between 7 and 365 days for software keys.
 */
import { invalidParameter } from '../../errors'

export const MIN_ROTATION_SECONDS = 7 * 86_400
export const MAX_ROTATION_SECONDS = 365 * 86_400
/** Alibaba's default when rotation is enabled without an interval. */
export const DEFAULT_ROTATION_SECONDS = 365 * 86_400

/**
 * Parses `RotationInterval`.
 * @throws KmsError validation.invalidParameter when malformed or out of 7d–365d
 */
export function parseRotationInterval(value: string, parameter = 'RotationInterval'): number {
  const m = /^([1-9]\d{0,9})([ds])$/.exec(value)
  if (!m) throw invalidParameter(parameter, 'use a number of days such as "30d" or seconds such as "604800s".')
  const seconds = Number(m[1]) * (m[2] === 'd' ? 86_400 : 1)
  if (seconds < MIN_ROTATION_SECONDS || seconds > MAX_ROTATION_SECONDS) {
    throw invalidParameter(parameter, 'the interval must be between 7 days and 365 days.')
  }
  return seconds
}

/** The wire form of an interval in seconds (`31536000s`), as DescribeKey reports it. */
export function formatRotationInterval(seconds: number): string {
  return `${seconds}s`
}
