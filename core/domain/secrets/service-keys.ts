/**
 * @module core/domain/secrets/service-keys
 *
 * The keys KMS manages for an account and region, created on first use:
 *
 * - the secrets service key (`creatorType: 'Service'`): wraps the data keys of secrets created
 *   without `EncryptionKeyId`. Users can see it (ListKeys, DescribeKey) but not use it directly:
 *   symmetric-crypto.ts refuses service keys; only core/domain/secrets/value-crypto.ts uses it.
 * - the default CMK (`creatorType: 'Default'`), reachable as `alias/acs/kms`: usable for crypto,
 *   cannot be disabled or scheduled for deletion (key-lifecycle.ts).
 *
 * Creation is race-free without transactions: the id is derived from account and region
 * (UUIDv8 over SHA-256), the record is created with the existing conditional create, and a loser
 * of the race reads the winner's record (never its own material).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex, utf8 } from '../../crypto/bytes'
import { KmsError } from '../../errors'
import { isoSeconds } from '../keys/common'
import { newSoftwareVersion } from '../keys/material'
import { SHARED_INSTANCE, type Caller, type KeyCreatorType, type KeyRecord } from '../model'
import { ConditionFailed, type KeyDeps } from '../ports'

export const SECRETS_SERVICE = 'secretsmanager'
export const DEFAULT_KEY_ALIAS = 'alias/acs/kms'

type Deps = Pick<KeyDeps, 'keys' | 'aliases' | 'clock' | 'random' | 'rootKeys'>

/** A deterministic UUID (version 8, RFC 9562) from SHA-256 of `label`. */
function derivedUuid(label: string): string {
  const b = sha256(utf8(label)).slice(0, 16)
  b[6] = (b[6]! & 0x0f) | 0x80
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = toHex(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export function serviceKeyId(accountId: string, region: string, service = SECRETS_SERVICE): string {
  return derivedUuid(`service-key|${accountId}|${region}|${service}`)
}

export function defaultKeyId(accountId: string, region: string): string {
  return derivedUuid(`default-key|${accountId}|${region}`)
}

async function ensureManagedKey(
  deps: Deps,
  caller: Pick<Caller, 'accountId' | 'region'>,
  keyId: string,
  creatorType: Exclude<KeyCreatorType, 'User'>,
  description: string,
  creator: string,
): Promise<KeyRecord> {
  const existing = await deps.keys.get(keyId)
  if (existing) return checkOwner(existing, caller)
  const now = deps.clock.now()
  const version = await newSoftwareVersion(deps, keyId, now)
  const key: KeyRecord = {
    keyId,
    accountId: caller.accountId,
    region: caller.region,
    instanceId: SHARED_INSTANCE,
    keySpec: 'Aliyun_AES_256',
    keyUsage: 'ENCRYPT/DECRYPT',
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creatorType,
    keyState: 'Enabled',
    description,
    creator,
    createdAt: isoSeconds(now),
    deletionProtection: false,
    primaryVersionId: version.versionId,
    versions: [version],
    automaticRotation: false,
    tags: {},
    rev: 1,
  }
  try {
    await deps.keys.create(key)
    return key
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err
  }
  const winner = await deps.keys.get(keyId)
  if (!winner) {
    const retry = 'The service is temporarily unavailable. Retry the request.'
    throw new KmsError('store.unavailable', retry)
  }
  return checkOwner(winner, caller)
}

function checkOwner(key: KeyRecord, caller: Pick<Caller, 'accountId' | 'region'>): KeyRecord {
  // A derived id of another account/region would mean a SHA-256 collision or a corrupt store.
  if (key.accountId !== caller.accountId || key.region !== caller.region) {
    throw new KmsError('internal', 'A managed key id is in use by another owner.')
  }
  return key
}

/**
 * The secrets service key of the caller's account and region, created on first use (and the
 * default CMK with it, so that both appear together when the account starts using KMS).
 *
 * @throws KmsError store.unavailable, internal
 */
export async function ensureSecretsServiceKey(deps: Deps, caller: Pick<Caller, 'accountId' | 'region'>): Promise<KeyRecord> {
  const keyId = serviceKeyId(caller.accountId, caller.region)
  const existing = await deps.keys.get(keyId)
  if (existing) return checkOwner(existing, caller)
  await ensureDefaultKey(deps, caller)
  return ensureManagedKey(deps, caller, keyId, 'Service', 'Service key of KMS Secrets Manager. Managed by the service.', SECRETS_SERVICE)
}

/**
 * The default CMK of the caller's account and region and its alias `alias/acs/kms`, created on
 * first use. Idempotent and safe under concurrent callers.
 *
 * @throws KmsError store.unavailable, internal
 */
export async function ensureDefaultKey(deps: Deps, caller: Pick<Caller, 'accountId' | 'region'>): Promise<KeyRecord> {
  const key = await ensureManagedKey(
    deps,
    caller,
    defaultKeyId(caller.accountId, caller.region),
    'Default',
    'Default key of the account in this region. Managed by KMS.',
    caller.accountId,
  )
  const alias = await deps.aliases.get(caller.accountId, caller.region, DEFAULT_KEY_ALIAS)
  if (!alias) {
    try {
      await deps.aliases.create({
        accountId: caller.accountId,
        region: caller.region,
        aliasName: DEFAULT_KEY_ALIAS,
        keyId: key.keyId,
        createdAt: isoSeconds(deps.clock.now()),
      })
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
  }
  return key
}
