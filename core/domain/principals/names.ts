/**
 * @module core/domain/principals/names
 *
 * Names and ARNs of principals and policies, and the checks on every name a RAM request sends.
 * User and policy names become part of table keys (`USER#<account>#<name>`), so the allow-lists
 * exclude `#` and control characters. Messages never echo the input.
 */
import { invalidParameter } from '../../errors'
import { ROOT_PRINCIPAL } from './model'

const USER_NAME = /^[A-Za-z0-9.@_-]{1,64}$/
const POLICY_NAME = /^[A-Za-z0-9-]{1,128}$/

export function rootArn(accountId: string): string {
  return `acs:ram::${accountId}:root`
}

export function userArn(accountId: string, userName: string): string {
  return `acs:ram::${accountId}:user/${userName}`
}

/** The ARN of a principal of an AccessKey record (`root` or a user name). */
export function principalArn(accountId: string, principal: string): string {
  return principal === ROOT_PRINCIPAL ? rootArn(accountId) : userArn(accountId, principal)
}

/**
 * RAM user names: 1–64 of letters, digits and `.@_-`; `root` is reserved for the account root.
 * @throws KmsError validation.invalidParameter
 */
export function assertUserName(name: string, parameter = 'UserName'): void {
  if (!USER_NAME.test(name)) {
    throw invalidParameter(parameter, 'must be 1 to 64 letters, digits or the characters . @ _ -.')
  }
  if (name.toLowerCase() === ROOT_PRINCIPAL) throw invalidParameter(parameter, '"root" is reserved for the account root.')
}

/**
 * Custom policy names: 1–128 of letters, digits and `-`.
 * @throws KmsError validation.invalidParameter
 */
export function assertPolicyName(name: string, parameter = 'PolicyName'): void {
  if (!POLICY_NAME.test(name)) throw invalidParameter(parameter, 'must be 1 to 128 letters, digits or hyphens.')
}
