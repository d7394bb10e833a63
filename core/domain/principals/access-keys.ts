/**
 * @module core/domain/principals/access-keys
 *
 * AccessKey pairs of users (and of the account root, when no UserName is given): create, list,
 * enable/disable, delete. The secret is shown once, in the CreateAccessKey response; it is stored
 * only wrapped under the root key with AAD `accesskey:<id>` (the form core/domain/authenticate.ts
 * unwraps: HMAC signatures need the secret itself, so it is encrypted, not hashed). At most
 * {@link MAX_ACCESS_KEYS_PER_PRINCIPAL} pairs per principal, as in Alibaba RAM.
 */
import { utf8 } from '../../crypto/bytes'
import { wrapUnderRoot } from '../../crypto/root-key'
import { KmsError, invalidParameter } from '../../errors'
import { accessKeySecretAad } from '../authenticate'
import type { AccessKeyRecord, Caller } from '../model'
import { ConditionFailed } from '../ports'
import { isoSeconds, randomString, type PrincipalDeps } from './deps'
import { ROOT_PRINCIPAL } from './model'
import { assertUserName } from './names'
import { getActiveUser, userNotFound } from './users'

export const MAX_ACCESS_KEYS_PER_PRINCIPAL = 2
const ACCESS_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/

export interface NewAccessKey {
  accessKeyId: string
  /** Shown once; never stored in the clear, never logged or audited. */
  accessKeySecret: string
  status: 'Active'
  createdAt: string
}

function notFound(): KmsError {
  return new KmsError('iam.accessKeyNotFound', 'The AccessKey does not exist.')
}

/** The principal a call targets: the named user, or the caller itself. */
async function targetPrincipal(deps: PrincipalDeps, caller: Caller, userName: string | undefined, mustBeActive: boolean): Promise<string> {
  if (userName === undefined || userName === '') {
    if (caller.principal !== ROOT_PRINCIPAL) await getActiveUser(deps, caller.accountId, caller.principal)
    return caller.principal
  }
  assertUserName(userName)
  if (mustBeActive) await getActiveUser(deps, caller.accountId, userName)
  else if (!(await deps.iam.getUser(caller.accountId, userName))) throw userNotFound()
  return userName
}

/**
 * @throws KmsError iam.userNotFound, iam.accessKeyLimit, validation.invalidParameter
 */
export async function createAccessKey(deps: PrincipalDeps, caller: Caller, userName?: string): Promise<NewAccessKey> {
  const principal = await targetPrincipal(deps, caller, userName, true)
  if ((await deps.iam.listAccessKeys(caller.accountId, principal)).length >= MAX_ACCESS_KEYS_PER_PRINCIPAL) {
    throw new KmsError('iam.accessKeyLimit', `A principal can have at most ${MAX_ACCESS_KEYS_PER_PRINCIPAL} AccessKeys.`)
  }
  const secret = randomString(deps.random, 30)
  const createdAt = isoSeconds(deps.clock.now())
  let record: AccessKeyRecord | undefined
  for (let attempt = 0; attempt < 3 && !record; attempt++) {
    const accessKeyId = `LTAI${randomString(deps.random, 20)}`
    const candidate: AccessKeyRecord = {
      accessKeyId,
      accountId: caller.accountId,
      principal,
      status: 'Active',
      wrappedSecret: await wrapUnderRoot(deps.rootKeys, utf8(secret), accessKeySecretAad(accessKeyId), deps.random),
      createdAt,
    }
    try {
      await deps.credentials.createAccessKey(candidate)
      record = candidate
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
  }
  if (!record) throw new KmsError('internal', 'Could not allocate an AccessKey id.')
  // Written first, checked after (model.ts): a user deleted meanwhile, or a concurrent create
  // past the limit, takes this key back out.
  const undo = async (err: KmsError): Promise<never> => {
    await deps.iam.deleteAccessKey(record!.accessKeyId, caller.accountId, principal).catch(() => undefined)
    throw err
  }
  if (principal !== ROOT_PRINCIPAL) {
    const user = await deps.iam.getUser(caller.accountId, principal)
    if (!user || user.state !== 'Active') await undo(userNotFound())
  }
  const keys = await deps.iam.listAccessKeys(caller.accountId, principal)
  if (keys.length > MAX_ACCESS_KEYS_PER_PRINCIPAL) {
    const newest = [...keys].sort((a, b) => (a.createdAt + a.accessKeyId < b.createdAt + b.accessKeyId ? 1 : -1))
    if (newest.slice(0, keys.length - MAX_ACCESS_KEYS_PER_PRINCIPAL).some((k) => k.accessKeyId === record!.accessKeyId)) {
      await undo(new KmsError('iam.accessKeyLimit', `A principal can have at most ${MAX_ACCESS_KEYS_PER_PRINCIPAL} AccessKeys.`))
    }
  }
  return { accessKeyId: record.accessKeyId, accessKeySecret: secret, status: 'Active', createdAt }
}

/** @throws KmsError iam.userNotFound, validation.invalidParameter */
export async function listAccessKeys(deps: PrincipalDeps, caller: Caller, userName?: string): Promise<AccessKeyRecord[]> {
  const principal = await targetPrincipal(deps, caller, userName, false)
  const keys = await deps.iam.listAccessKeys(caller.accountId, principal)
  return keys.sort((a, b) => (a.createdAt + a.accessKeyId < b.createdAt + b.accessKeyId ? -1 : 1))
}

function assertAccessKeyId(id: string): void {
  if (!ACCESS_KEY_ID.test(id)) throw invalidParameter('UserAccessKeyId', 'is not a valid AccessKey id.')
}

/** @throws KmsError iam.userNotFound, iam.accessKeyNotFound, validation.invalidParameter */
export async function updateAccessKey(
  deps: PrincipalDeps,
  caller: Caller,
  input: { userName?: string; accessKeyId: string; status: string },
): Promise<void> {
  if (input.status !== 'Active' && input.status !== 'Inactive') throw invalidParameter('Status', 'must be Active or Inactive.')
  assertAccessKeyId(input.accessKeyId)
  const principal = await targetPrincipal(deps, caller, input.userName, false)
  try {
    await deps.iam.setAccessKeyStatus(input.accessKeyId, caller.accountId, principal, input.status)
  } catch (err) {
    if (err instanceof ConditionFailed) throw notFound()
    throw err
  }
}

/** @throws KmsError iam.userNotFound, iam.accessKeyNotFound, validation.invalidParameter */
export async function deleteAccessKey(
  deps: PrincipalDeps,
  caller: Caller,
  input: { userName?: string; accessKeyId: string },
): Promise<void> {
  assertAccessKeyId(input.accessKeyId)
  const principal = await targetPrincipal(deps, caller, input.userName, false)
  try {
    await deps.iam.deleteAccessKey(input.accessKeyId, caller.accountId, principal)
  } catch (err) {
    if (err instanceof ConditionFailed) throw notFound()
    throw err
  }
}
