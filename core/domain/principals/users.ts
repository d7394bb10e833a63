/**
 * @module core/domain/principals/users
 *
 * RAM users of an account: CreateUser, GetUser, ListUsers, DeleteUser. Deletion follows the
 * mark-check-delete protocol of core/domain/principals/model.ts and, like Alibaba, refuses while
 * the user still has AccessKeys (`DeleteConflict.User.AccessKey`) or attached policies
 * (`DeleteConflict.User.Policy`).
 */
import { KmsError, invalidParameter } from '../../errors'
import type { Caller } from '../model'
import { ConditionFailed } from '../ports'
import { isoSeconds, randomString, replaceOrConflict, type PrincipalDeps } from './deps'
import type { UserRecord } from './model'
import { assertUserName } from './names'

export function userNotFound(): KmsError {
  return new KmsError('iam.userNotFound', 'The user does not exist.')
}

/** A user that exists and is not being deleted. */
export async function getActiveUser(deps: Pick<PrincipalDeps, 'iam'>, accountId: string, userName: string): Promise<UserRecord> {
  const user = await deps.iam.getUser(accountId, userName)
  if (!user || user.state !== 'Active') throw userNotFound()
  return user
}

export interface CreateUserInput {
  userName: string
  displayName?: string
  comments?: string
  email?: string
  mobilePhone?: string
}

function assertText(name: string, value: string | undefined, max: number): string {
  if (value === undefined) return ''
  if (value.length > max) throw invalidParameter(name, `must be at most ${max} characters.`)
  return value
}

/** @throws KmsError iam.userExists, validation.invalidParameter */
export async function createUser(deps: PrincipalDeps, caller: Caller, input: CreateUserInput): Promise<UserRecord> {
  assertUserName(input.userName)
  const now = isoSeconds(deps.clock.now())
  const user: UserRecord = {
    accountId: caller.accountId,
    userName: input.userName,
    userId: `2${randomString(deps.random, 15, '0123456789')}`,
    displayName: assertText('DisplayName', input.displayName, 128) || input.userName,
    comments: assertText('Comments', input.comments, 128),
    email: assertText('Email', input.email, 128),
    mobilePhone: assertText('MobilePhone', input.mobilePhone, 32),
    createdAt: now,
    updatedAt: now,
    state: 'Active',
    rev: 1,
  }
  try {
    await deps.iam.createUser(user)
  } catch (err) {
    if (err instanceof ConditionFailed) throw new KmsError('iam.userExists', 'The user already exists.')
    throw err
  }
  return user
}

/** @throws KmsError iam.userNotFound, validation.invalidParameter */
export async function getUser(deps: PrincipalDeps, caller: Caller, userName: string): Promise<UserRecord> {
  assertUserName(userName)
  return getActiveUser(deps, caller.accountId, userName)
}

/** Users by name after `afterName`. */
export async function listUsers(
  deps: PrincipalDeps,
  caller: Caller,
  afterName: string | undefined,
  limit: number,
): Promise<{ users: UserRecord[]; more: boolean }> {
  const { items, more } = await deps.iam.listUsers(caller.accountId, afterName, limit)
  return { users: items.filter((u) => u.state === 'Active'), more }
}

/**
 * @throws KmsError iam.userNotFound, iam.userHasAccessKeys, iam.userHasPolicies,
 *   concurrency.conflict
 */
export async function deleteUser(deps: PrincipalDeps, caller: Caller, userName: string): Promise<void> {
  assertUserName(userName)
  const user = await deps.iam.getUser(caller.accountId, userName)
  if (!user) throw userNotFound()
  // A user left `Deleting` by an interrupted deletion is deleted on retry (it is already hidden).
  const marked: UserRecord = user.state === 'Deleting' ? user : { ...user, state: 'Deleting', rev: user.rev + 1 }
  if (marked !== user) {
    await replaceOrConflict('user', () => deps.iam.replaceUser(marked, user.rev))
  }
  const restore = async (conflict: KmsError): Promise<never> => {
    await deps.iam.replaceUser({ ...marked, state: 'Active', rev: marked.rev + 1 }, marked.rev).catch(() => undefined)
    throw conflict
  }
  if ((await deps.iam.listAccessKeys(caller.accountId, userName)).length > 0) {
    await restore(new KmsError('iam.userHasAccessKeys', 'The user still has AccessKeys; delete them first.'))
  }
  if ((await deps.iam.listAttachments(caller.accountId, userName)).length > 0) {
    await restore(new KmsError('iam.userHasPolicies', 'The user still has policies attached; detach them first.'))
  }
  await deps.iam.deleteUser(caller.accountId, userName, marked.rev)
}
