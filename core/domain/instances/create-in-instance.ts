/**
 * @module core/domain/instances/create-in-instance
 *
 * CreateKey and CreateSecret with `DKMSInstanceId`: the instance must be the caller's, the
 * resource takes one unit of the instance's quota (./instances.ts `withQuota`), and a key's
 * protection level follows the instance type, as at Alibaba (`ProtectionLevel` is ignored):
 * software → SOFTWARE, hardware → HSM (through the HSM bridge), external → refused, since no
 * external key manager (XKI proxy) can be connected to this service.
 * A secret's `EncryptionKeyId` must be a symmetric key of the same instance
 * (core/domain/secrets/value-crypto.ts `assertKeyForSecrets`).
 */
import { KmsError } from '../../errors'
import { createKey, type CreateKeyInput } from '../keys/create-key'
import type { Caller, KeyRecord } from '../model'
import type { HsmDeps, SecretDeps } from '../ports'
import { createSecret, type CreateSecretInput } from '../secrets/create-secret'
import type { SecretRecord } from '../secrets/model'
import { getInstance, withQuota } from './instances'
import type { InstanceDeps } from './ports'

/** @throws KmsError instance.notFound, limit.exceeded, key.unsupportedProtectionLevel, and CreateKey's */
export async function createKeyInInstance(
  deps: SecretDeps & HsmDeps & InstanceDeps,
  caller: Caller,
  input: CreateKeyInput & { instanceId: string },
): Promise<KeyRecord> {
  const instance = await getInstance(deps, caller, input.instanceId, 'DKMSInstanceId')
  if (instance.type === 'external') {
    throw new KmsError(
      'key.unsupportedProtectionLevel',
      'No external key manager is connected to this KMS instance, so it cannot create keys.',
    )
  }
  const protectionLevel = instance.type === 'hsm' ? 'HSM' : 'SOFTWARE'
  return withQuota(deps, instance, 'key', () => createKey(deps, caller, { ...input, protectionLevel, instanceId: instance.instanceId }))
}

/** @throws KmsError instance.notFound, limit.exceeded, and CreateSecret's */
export async function createSecretInInstance(
  deps: SecretDeps & InstanceDeps,
  caller: Caller,
  input: CreateSecretInput & { instanceId: string },
): Promise<SecretRecord> {
  const instance = await getInstance(deps, caller, input.instanceId, 'DKMSInstanceId')
  return withQuota(deps, instance, 'secret', () => createSecret(deps, caller, { ...input, instanceId: instance.instanceId }))
}
