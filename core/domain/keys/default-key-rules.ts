/**
 * @module core/domain/keys/default-key-rules
 *
 * The rules of the default CMK (`creatorType: 'Default'`, alias `alias/acs/kms`), from Alibaba's
 * "default keys" documentation (alibaba-kms-api-part2.md §7) and UpdateRotationPolicy:
 *
 * - One per account and region: its id is derived from both (core/domain/secrets/service-keys.ts)
 *   and created with a conditional write, so concurrent first uses agree on one key; CreateKey
 *   only ever makes `creatorType: 'User'` keys, and `alias/acs/` names are reserved.
 * - "Enabling" it is creating it, on first use (the first secret of the account, or the first
 *   request naming `alias/acs/kms`). It is always Enabled: DisableKey, ScheduleKeyDeletion and
 *   SetDeletionProtection are `Forbidden.ServiceManagedKey` (it can never be deleted, so deletion
 *   protection means nothing).
 * - Changeable: its description (UpdateKeyDescription — Alibaba sets alias, description and
 *   origin when it is enabled) and its tags. Aliases other than `alias/acs/kms` cannot point to it
 *   (CreateAlias/UpdateAlias refuse non-User keys, as before).
 * - Key material origin: chosen only when it is enabled for the first time. This service enables
 *   it implicitly, always with KMS-generated material, so BYOK on the default key is not offered:
 *   GetParametersForImport / ImportKeyMaterial refuse it as a non-EXTERNAL key
 *   (`Unsupported.Origin`), and the origin can never change afterwards.
 * - Rotation: Alibaba sells default-key rotation as its one paid value-added service (fixed 365 d
 *   interval). This service does not offer it: UpdateRotationPolicy with
 *   `EnableAutomaticRotation=true` on the default key is `Rejected.UnsupportedOperation` (the
 *   code UpdateRotationPolicy documents); `false` succeeds and changes nothing.
 */
import { KmsError } from '../../errors'
import type { KeyRecord } from '../model'

/** The interval Alibaba fixes for default-key rotation (for reference; rotation is not offered). */
export const DEFAULT_KEY_ROTATION_SECONDS = 365 * 86_400

export function isDefaultKey(key: Pick<KeyRecord, 'creatorType'>): boolean {
  return key.creatorType === 'Default'
}

/**
 * UpdateRotationPolicy on the default key.
 * @throws KmsError key.unsupportedOperation when enabling rotation of the default key
 */
export function assertDefaultKeyRotation(key: Pick<KeyRecord, 'creatorType'>, enable: boolean): void {
  if (isDefaultKey(key) && enable) {
    throw new KmsError(
      'key.unsupportedOperation',
      'Automatic rotation of the default key is a paid value-added service that this service does not offer.',
    )
  }
}
