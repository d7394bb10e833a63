/**
 * @module core/domain/secrets/random-password
 *
 * GetRandomPassword: a password from the CSPRNG over the allowed characters (lower case, upper
 * case, digits, the punctuation set Alibaba documents), minus exclusions. With
 * `RequireEachIncludedType` (default true) each included type contributes at least one
 * character. Every choice (characters and shuffle) uses unbiased rejection sampling.
 */
import { invalidParameter } from '../../errors'
import type { RandomSource } from '../../crypto/random'

export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 128
export const DEFAULT_PASSWORD_LENGTH = 32

const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const DIGITS = '0123456789'
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'

export interface RandomPasswordInput {
  passwordLength?: number
  excludeCharacters?: string
  excludeLowercase?: boolean
  excludeUppercase?: boolean
  excludeNumbers?: boolean
  excludePunctuation?: boolean
  requireEachIncludedType?: boolean
}

/** A uniform integer in [0, bound) (bound ≤ 2^16). */
function uniform(random: RandomSource, bound: number): number {
  const limit = 65536 - (65536 % bound)
  for (;;) {
    const b = random(2)
    const n = (b[0]! << 8) | b[1]!
    if (n < limit) return n % bound
  }
}

/**
 * @throws KmsError validation.invalidParameter (length out of range, nothing left to choose
 *   from, fewer characters than required types)
 */
export function generateRandomPassword(random: RandomSource, input: RandomPasswordInput): string {
  const length = input.passwordLength ?? DEFAULT_PASSWORD_LENGTH
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw invalidParameter('PasswordLength', `must be an integer from ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH}.`)
  }
  const excluded = new Set(input.excludeCharacters ?? '')
  const groups = [
    input.excludeLowercase ? '' : LOWER,
    input.excludeUppercase ? '' : UPPER,
    input.excludeNumbers ? '' : DIGITS,
    input.excludePunctuation ? '' : PUNCTUATION,
  ]
    .map((g) => [...g].filter((c) => !excluded.has(c)))
    .filter((g) => g.length > 0)
  const all = groups.flat()
  if (all.length === 0) {
    throw invalidParameter('ExcludeCharacters', 'no characters are left to build a password from.')
  }
  const chars: string[] = []
  if (input.requireEachIncludedType !== false) {
    if (groups.length > length) {
      throw invalidParameter('PasswordLength', 'is shorter than the number of required types.')
    }
    for (const g of groups) chars.push(g[uniform(random, g.length)]!)
  }
  while (chars.length < length) chars.push(all[uniform(random, all.length)]!)
  for (let i = chars.length - 1; i > 0; i--) {
    const j = uniform(random, i + 1)
    const swap = chars[i]!
    chars[i] = chars[j]!
    chars[j] = swap
  }
  return chars.join('')
}
