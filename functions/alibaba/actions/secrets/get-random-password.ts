/** @module functions/alibaba/actions/secrets/get-random-password — GetRandomPassword. */
import { generateRandomPassword } from '../../../../core/domain/secrets/random-password'
import { action } from '../../action'
import { optionalBool, optionalInt, optionalText } from '../../fields'
import { on } from '../../permission'

export const GetRandomPassword = action({
  name: 'GetRandomPassword',
  params: {
    PasswordLength: optionalInt(-1_000_000, 1_000_000),
    ExcludeCharacters: optionalText({ max: 256 }),
    ExcludeLowercase: optionalBool(),
    ExcludeUppercase: optionalBool(),
    ExcludeNumbers: optionalBool(),
    ExcludePunctuation: optionalBool(),
    RequireEachIncludedType: optionalBool(),
  },
  permission: on({ kind: 'service' }, true),
  handler: async ({ deps }, input) => {
    const password = generateRandomPassword(deps.random, {
      passwordLength: input.PasswordLength,
      excludeCharacters: input.ExcludeCharacters,
      excludeLowercase: input.ExcludeLowercase,
      excludeUppercase: input.ExcludeUppercase,
      excludeNumbers: input.ExcludeNumbers,
      excludePunctuation: input.ExcludePunctuation,
      requireEachIncludedType: input.RequireEachIncludedType,
    })
    return { RandomPassword: password }
  },
})
