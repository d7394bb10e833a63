/**
 * @module core/domain/instances/instances
 *
 * KMS instances: the operator creates them (local admin route), callers read them
 * (GetKmsInstance, ListKmsInstances, GetKmsInstanceQuotaInfos), and CreateKey / CreateSecret with
 * `DKMSInstanceId` create inside one, within its quotas.
 *
 * Quotas without transactions: a creator first takes one unit of the instance's counter (one
 * conditional update, `count < quota`), then writes the key or secret; when that write fails it
 * gives the unit back. Concurrent creators can therefore never exceed the quota. A crash between
 * the two writes leaves one unit taken for nothing (the count errs high, never low); the counter
 * is the authority, so an operator can only ever see fewer creatable resources, never more.
 */
import { KmsError, invalidParameter } from '../../errors'
import { SHARED_INSTANCE, type Caller } from '../model'
import { ConditionFailed } from '../ports'
import { INSTANCE_ID, INSTANCE_LIMITS, INSTANCE_TYPES, instanceNotFound, regionCode, type InstanceRecord, type InstanceType } from './model'
import type { InstanceDeps, QuotaKind } from './ports'

export interface CreateInstanceInput {
  type: string
  keyNum: number
  secretNum: number
  spec: number
  vpcNum?: number
  instanceName?: string
}

const NAME = /^[\p{L}\p{N} ._:/-]{1,128}$/u
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

function limited(name: string, value: number, { min, max }: { min: number; max: number }): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(name, `must be an integer from ${min} to ${max}.`)
  }
  return value
}

function randomId(random: (n: number) => Uint8Array, region: string): string {
  const bytes = random(17)
  let id = ''
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length]
  return `kst-${regionCode(region)}${id}`
}

/**
 * Creates an instance for `accountId` in `region` (operator only: the local admin route).
 *
 * @throws KmsError validation.invalidParameter
 */
export async function createInstance(
  deps: InstanceDeps & { clock: { now(): number }; random: (n: number) => Uint8Array },
  accountId: string,
  region: string,
  input: CreateInstanceInput,
): Promise<InstanceRecord> {
  if (!INSTANCE_TYPES.includes(input.type as InstanceType)) {
    throw invalidParameter('type', `must be one of ${INSTANCE_TYPES.join(', ')}.`)
  }
  const instanceName = input.instanceName ?? ''
  if (instanceName !== '' && !NAME.test(instanceName)) throw invalidParameter('name', 'letters, digits, space and ._:/- only, at most 128.')
  const createdAt = new Date(deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const instanceId = randomId(deps.random, region)
  const instance: InstanceRecord = {
    instanceId,
    accountId,
    region,
    instanceName: instanceName || instanceId,
    type: input.type as InstanceType,
    keyNum: limited('keys', input.keyNum, INSTANCE_LIMITS.keyNum),
    secretNum: limited('secrets', input.secretNum, INSTANCE_LIMITS.secretNum),
    spec: limited('rps', input.spec, INSTANCE_LIMITS.spec),
    vpcNum: limited('vpcs', input.vpcNum ?? 1, INSTANCE_LIMITS.vpcNum),
    keyCount: 0,
    secretCount: 0,
    createdAt,
    endDate: '9999-12-31T00:00:00Z',
  }
  await deps.instances.create(instance)
  return instance
}

/**
 * The caller's instance named by `parameter`: the id is checked first, then the instance must
 * belong to the caller's account and region (another account's looks missing).
 *
 * @throws KmsError validation.invalidParameter, instance.notFound
 */
export async function getInstance(
  deps: InstanceDeps,
  caller: Pick<Caller, 'accountId' | 'region'>,
  instanceId: string,
  parameter = 'KmsInstanceId',
): Promise<InstanceRecord> {
  if (!INSTANCE_ID.test(instanceId)) throw invalidParameter(parameter, 'not a KMS instance id (kst-…).')
  const instance = await deps.instances.get(instanceId)
  if (!instance || instance.accountId !== caller.accountId || instance.region !== caller.region) {
    throw instanceNotFound()
  }
  return instance
}

export function listInstances(deps: InstanceDeps, caller: Pick<Caller, 'accountId' | 'region'>): Promise<InstanceRecord[]> {
  return deps.instances.listByAccount(caller.accountId, caller.region)
}

function quotaExceeded(kind: QuotaKind): KmsError {
  return new KmsError(
    'limit.exceeded',
    kind === 'key'
      ? 'The number of keys has reached the quota of the KMS instance.'
      : 'The number of secrets has reached the quota of the KMS instance.',
  )
}

/**
 * Runs `create` holding one unit of the instance's `kind` quota: refused with
 * Rejected.LimitExceeded when none is left; the unit is given back when `create` fails.
 *
 * @throws KmsError limit.exceeded, and whatever `create` throws
 */
export async function withQuota<T>(deps: InstanceDeps, instance: InstanceRecord, kind: QuotaKind, create: () => Promise<T>): Promise<T> {
  try {
    await deps.instances.reserve(instance.instanceId, kind)
  } catch (err) {
    if (err instanceof ConditionFailed) throw quotaExceeded(kind)
    throw err
  }
  try {
    return await create()
  } catch (err) {
    try {
      await deps.instances.release(instance.instanceId, kind)
    } catch {
      // The unit stays taken: the count errs high (see the module comment), never low.
    }
    throw err
  }
}

/** What the purge paths pass: the Worker's deps carry the instance repository as `store.instances`. */
export interface ReleaseDeps {
  store?: { instances?: Pick<InstanceDeps['instances'], 'release'> }
}

/**
 * Gives back the quota unit of a key or secret that was just purged (its tombstone written, once:
 * the tombstone write is conditional, so only one purger gets here per resource). Best effort: a
 * failure leaves the unit taken (the count errs high, never low). Nothing for the shared default.
 */
export async function releaseOnPurge(deps: ReleaseDeps, instanceId: string, kind: QuotaKind): Promise<void> {
  if (instanceId === SHARED_INSTANCE || !deps.store?.instances) return
  try {
    await deps.store.instances.release(instanceId, kind)
  } catch {
    // see above
  }
}
