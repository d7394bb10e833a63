/**
 * @module core/domain/secrets/rotation/interval
 *
 * `RotationInterval` of secrets, as Alibaba documents it: `integer[unit]`, unit `d`, `h`, `m` or
 * `s` (`7d` = `604800s`), from 6 hours to 8,760 hours; returned in seconds (`604800s`).
 */
import { invalidParameter } from '../../../errors'

export const MIN_SECRET_ROTATION_SECONDS = 6 * 3600
export const MAX_SECRET_ROTATION_SECONDS = 8760 * 3600
const UNIT: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1 }

/** @throws KmsError validation.invalidParameter */
export function parseSecretRotationInterval(text: string, parameter = 'RotationInterval'): number {
  const m = /^([1-9][0-9]{0,9})([dhms])$/.exec(text)
  if (!m) throw invalidParameter(parameter, 'must be an integer followed by d, h, m or s, e.g. 7d or 604800s.')
  const seconds = Number(m[1]) * UNIT[m[2]!]!
  if (seconds < MIN_SECRET_ROTATION_SECONDS || seconds > MAX_SECRET_ROTATION_SECONDS) {
    throw invalidParameter(parameter, 'must be from 6 hours to 8760 hours.')
  }
  return seconds
}

export function formatRotationInterval(seconds: number): string {
  return `${seconds}s`
}
