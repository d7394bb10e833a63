/**
 * @module functions/alibaba/shape
 *
 * Response shapes the official SDKs parse (field names and types checked against
 * @alicloud/kms20160120's models: every value a string or number, lists wrapped as
 * `{ Key: [...] }`, `{ Alias: [...] }`, `{ Tag: [...] }`).
 */
import { aliasArn, keyArn } from '../../core/domain/keys/common'
import { formatRotationInterval } from '../../core/domain/keys/rotation'
import { SHARED_INSTANCE, type AliasRecord, type KeyRecord } from '../../core/domain/model'

function automaticRotation(key: KeyRecord): string {
  if (!key.automaticRotation) return 'Disabled'
  return key.keyState === 'Enabled' ? 'Enabled' : 'Suspended'
}

export function keyMetadata(key: KeyRecord): Record<string, string> {
  const meta: Record<string, string | undefined> = {
    KeyId: key.keyId,
    Arn: keyArn(key),
    KeyState: key.keyState,
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    Origin: key.origin,
    ProtectionLevel: key.protectionLevel,
    Description: key.description,
    Creator: key.creator,
    CreatorType: key.creatorType,
    CreationDate: key.createdAt,
    DeleteDate: key.deleteDate,
    PrimaryKeyVersion: key.primaryVersionId,
    LastRotationDate: key.lastRotationDate,
    AutomaticRotation: automaticRotation(key),
    RotationInterval: key.rotationIntervalSeconds !== undefined ? formatRotationInterval(key.rotationIntervalSeconds) : undefined,
    NextRotationDate: key.automaticRotation && key.keyState === 'Enabled' ? key.nextRotationDate : undefined,
    DeletionProtection: key.deletionProtection ? 'Enabled' : 'Disabled',
    DeletionProtectionDescription: key.deletionProtection ? key.deletionProtectionDescription : undefined,
    DKMSInstanceId: key.instanceId === SHARED_INSTANCE ? undefined : key.instanceId,
    MaterialExpireTime: key.materialExpireTime,
  }
  return Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined)) as Record<string, string>
}

export function aliasEntry(alias: AliasRecord) {
  return {
    KeyId: alias.keyId,
    AliasName: alias.aliasName,
    AliasArn: aliasArn(alias.region, alias.accountId, alias.aliasName),
  }
}

export function paged<T>(items: T[], page: { pageNumber: number; pageSize: number }) {
  const start = (page.pageNumber - 1) * page.pageSize
  return { items: items.slice(start, start + page.pageSize), totalCount: items.length }
}
