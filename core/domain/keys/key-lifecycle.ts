/**
 * @module core/domain/keys/key-lifecycle
 *
 * The key lifecycle operations: EnableKey, DisableKey, UpdateKeyDescription, ScheduleKeyDeletion,
 * CancelKeyDeletion and SetDeletionProtection. Each is one optimistic conditional write
 * (mutateKey); repeating a call that already took effect writes nothing and succeeds.
 */
import { KmsError, invalidParameter } from '../../errors'
import type { Caller, KeyRecord } from '../model'
import type { KeyDeps } from '../ports'
import { isoSeconds, mutateKey, type KeyRef } from './common'

type Deps = Pick<KeyDeps, 'keys' | 'aliases' | 'clock'>

/** Service-managed keys cannot be changed by users (issue: default and service keys). */
export function assertUserManaged(key: KeyRecord): void {
  if (key.creatorType === 'Service') {
    throw new KmsError('key.serviceManaged', 'The properties of a service key cannot be changed.')
  }
}

/** The default CMK allows use, its description and tags; nothing else (./default-key-rules.ts). */
function assertCustomerKey(key: KeyRecord): void {
  assertUserManaged(key)
  if (key.creatorType === 'Default') {
    throw new KmsError('key.serviceManaged', 'This property of the default key cannot be changed.')
  }
}

export function enableKey(deps: Deps, caller: Caller, keyId: KeyRef): Promise<KeyRecord> {
  return mutateKey(deps, caller, keyId, 'EnableKey', (key) => {
    assertUserManaged(key)
    if (key.keyState === 'Enabled') return undefined
    return { ...key, keyState: 'Enabled' }
  })
}

export function disableKey(deps: Deps, caller: Caller, keyId: KeyRef): Promise<KeyRecord> {
  return mutateKey(deps, caller, keyId, 'DisableKey', (key) => {
    assertUserManaged(key)
    if (key.creatorType === 'Default') {
      throw new KmsError('key.serviceManaged', 'The default key cannot be disabled.')
    }
    if (key.keyState === 'Disabled') return undefined
    return { ...key, keyState: 'Disabled' }
  })
}

export function updateKeyDescription(deps: Deps, caller: Caller, keyId: KeyRef, description: string): Promise<KeyRecord> {
  if (description.length > 8192) throw invalidParameter('Description', 'must be at most 8192 characters.')
  return mutateKey(deps, caller, keyId, 'UpdateKeyDescription', (key) => {
    assertUserManaged(key)
    if (key.description === description) return undefined
    return { ...key, description }
  })
}

export const MIN_PENDING_WINDOW_DAYS = 7
export const MAX_PENDING_WINDOW_DAYS = 366

export function scheduleKeyDeletion(deps: Deps, caller: Caller, keyId: KeyRef, pendingWindowInDays: number): Promise<KeyRecord> {
  if (
    !Number.isInteger(pendingWindowInDays) ||
    pendingWindowInDays < MIN_PENDING_WINDOW_DAYS ||
    pendingWindowInDays > MAX_PENDING_WINDOW_DAYS
  ) {
    throw invalidParameter('PendingWindowInDays', `must be an integer from ${MIN_PENDING_WINDOW_DAYS} to ${MAX_PENDING_WINDOW_DAYS}.`)
  }
  return mutateKey(deps, caller, keyId, 'ScheduleKeyDeletion', (key, now) => {
    if (key.creatorType !== 'User') {
      throw new KmsError('key.serviceManaged', 'Default keys and service keys cannot be deleted.')
    }
    if (key.deletionProtection) {
      throw new KmsError('key.deletionProtected', 'The key is protected from deletion. Disable deletion protection first.')
    }
    return {
      ...key,
      keyState: 'PendingDeletion',
      deleteDate: isoSeconds(now + pendingWindowInDays * 86_400_000),
    }
  })
}

export function cancelKeyDeletion(deps: Deps, caller: Caller, keyId: KeyRef): Promise<KeyRecord> {
  return mutateKey(deps, caller, keyId, 'CancelKeyDeletion', (key) => {
    const { deleteDate: _gone, ...rest } = key
    return { ...rest, keyState: 'Enabled' }
  })
}

export function setDeletionProtection(
  deps: Deps,
  caller: Caller,
  keyId: KeyRef,
  enable: boolean,
  description: string | undefined,
): Promise<KeyRecord> {
  if (description !== undefined && description.length > 8192) {
    throw invalidParameter('DeletionProtectionDescription', 'must be at most 8192 characters.')
  }
  return mutateKey(
    deps,
    caller,
    keyId,
    'SetDeletionProtection',
    (key) => {
      assertCustomerKey(key)
      const nextDescription = enable ? description : undefined
      if (key.deletionProtection === enable && key.deletionProtectionDescription === nextDescription) return undefined
      return { ...key, deletionProtection: enable, deletionProtectionDescription: nextDescription }
    },
    'ProtectedResourceArn',
  )
}
