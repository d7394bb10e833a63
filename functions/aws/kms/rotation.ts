/**
 * @module functions/aws/kms/rotation
 *
 * TrentService key rotation over the core's rotation rules (core/domain/keys/key-versions.ts):
 * - EnableKeyRotation / DisableKeyRotation → UpdateRotationPolicy (kms:UpdateRotationPolicy).
 *   `RotationPeriodInDays` is AWS's 90–2560 (default 365); the core rotates at most every 365
 *   days, so 366–2560 is a ValidationException naming the core's range.
 * - GetKeyRotationStatus → DescribeKey (kms:DescribeKey): enabled, period, next date.
 * - RotateKeyOnDemand: its own descriptor (kms:RotateKeyOnDemand on the key, state-changing):
 *   one new software version becomes primary at once, as the scheduled rotation does
 *   (`rotateIfDue`), on the keys that may rotate (symmetric, software, generated material,
 *   customer-managed; Enabled only), up to the 50 versions a key may have. The automatic
 *   schedule is not moved (AWS: on-demand rotation does not change it). Alibaba's
 *   CreateKeyVersion refuses symmetric keys, so it is not the way here.
 * - ListKeyRotations → ListKeyVersions (kms:ListKeyVersions): every version after the first is
 *   a rotation (`KeyMaterialId` = the version id); `IncludeKeyMaterial=ALL_KEY_MATERIAL` lists
 *   the original material too. The core does not record whether a version came from the
 *   schedule or on demand, so `RotationType` is not reported.
 */
import { assertKeyState, mutateKey, resolveKey } from '../../../core/domain/keys/common'
import { assertRotatable, MAX_KEY_VERSIONS } from '../../../core/domain/keys/key-versions'
import { newSoftwareVersion } from '../../../core/domain/keys/material'
import { symmetricMaterialBytes } from '../../../core/domain/keys/sm4-keys'
import type { KeyRecord } from '../../../core/domain/model'
import { keyTarget } from '../../../core/domain/targets'
import { KmsError, invalidParameter } from '../../../core/errors'
import { action } from '../../alibaba/action'
import { KEY_ID } from '../../alibaba/fields'
import { keyWrite } from '../../alibaba/permission'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, compact, epochSeconds, num, params, str, type JsonObject } from '../action'
import { pageOfList } from './paging'
import { alibaba } from './via'

function keyId(body: JsonObject): string | undefined {
  const v = str(body, 'KeyId')
  return v === undefined ? undefined : keyRefFromAws(v)
}

export const EnableKeyRotation = awsAction({
  service: 'kms',
  name: 'EnableKeyRotation',
  via: alibaba('UpdateRotationPolicy'),
  request(body) {
    const days = num(body, 'RotationPeriodInDays')
    if (days !== undefined && (days < 90 || days > 2560)) throw invalidParameter('RotationPeriodInDays', 'must be between 90 and 2560.')
    return params({ KeyId: keyId(body), EnableAutomaticRotation: true, RotationInterval: days === undefined ? undefined : `${days}d` })
  },
  response: () => ({}),
})

export const DisableKeyRotation = awsAction({
  service: 'kms',
  name: 'DisableKeyRotation',
  via: alibaba('UpdateRotationPolicy'),
  request: (body) => params({ KeyId: keyId(body), EnableAutomaticRotation: false }),
  response: () => ({}),
})

export const GetKeyRotationStatus = awsAction({
  service: 'kms',
  name: 'GetKeyRotationStatus',
  via: alibaba('DescribeKey'),
  request: (body) => params({ KeyId: keyId(body) }),
  response(out, call) {
    const meta = out.KeyMetadata as Record<string, string>
    const enabled = meta.AutomaticRotation === 'Enabled' || meta.AutomaticRotation === 'Suspended'
    const seconds = /^(\d+)s$/.exec(meta.RotationInterval ?? '')?.[1]
    return compact({
      KeyId: awsKeyArn(call.region, meta.Arn?.split(':')[3] ?? call.accountId, meta.KeyId ?? ''),
      KeyRotationEnabled: enabled,
      RotationPeriodInDays: enabled && seconds ? Math.round(Number(seconds) / 86_400) : undefined,
      NextRotationDate: enabled ? epochSeconds(meta.NextRotationDate) : undefined,
    })
  },
})

function assertOnDemand(key: KeyRecord): void {
  assertRotatable(key)
  if (key.versions.length >= MAX_KEY_VERSIONS) throw new KmsError('limit.exceeded', `A key can have at most ${MAX_KEY_VERSIONS} versions.`)
}

/** kms:RotateKeyOnDemand on the key; changes state (its audit record is written first). */
export const RotateKeyOnDemandDescriptor = action({
  name: 'RotateKeyOnDemand',
  params: { KeyId: KEY_ID },
  permission: keyWrite,
  handler: async ({ deps, caller, targets }) => {
    const target = keyTarget(targets)
    const current = await resolveKey(deps, caller, target)
    assertKeyState('CreateKeyVersion', current)
    assertOnDemand(current)
    // Generated before the conditional write (wrapping is async); the write re-checks the rules
    // on the fresh item, so racing calls cannot exceed the version limit.
    const version = await newSoftwareVersion(deps, current.keyId, deps.clock.now(), symmetricMaterialBytes(current.keySpec))
    const key = await mutateKey(deps, caller, target, 'CreateKeyVersion', (k) => {
      assertOnDemand(k)
      return { ...k, versions: [...k.versions, version], primaryVersionId: version.versionId, lastRotationDate: version.createdAt }
    })
    return { KeyId: key.keyId, KeyVersionId: version.versionId }
  },
})

export const RotateKeyOnDemand = awsAction({
  service: 'kms',
  name: 'RotateKeyOnDemand',
  via: RotateKeyOnDemandDescriptor,
  request: (body) => params({ KeyId: keyId(body) }),
  response: (out, call) => ({ KeyId: awsKeyArn(call.region, call.accountId, String(out.KeyId)) }),
})

const INCLUDE = new Set(['ROTATIONS_ONLY', 'ALL_KEY_MATERIAL'])

export const ListKeyRotations = awsAction({
  service: 'kms',
  name: 'ListKeyRotations',
  via: alibaba('ListKeyVersions'),
  request(body) {
    const include = str(body, 'IncludeKeyMaterial')
    if (include !== undefined && !INCLUDE.has(include))
      throw invalidParameter('IncludeKeyMaterial', 'must be ROTATIONS_ONLY or ALL_KEY_MATERIAL.')
    pageOfList([], body)
    return params({ KeyId: keyId(body), PageNumber: 1, PageSize: 100 })
  },
  response(out, call, body) {
    const versions = ((out.KeyVersions as { KeyVersion?: Array<Record<string, string>> })?.KeyVersion ?? []).slice().reverse() // ListKeyVersions lists newest first; rotations are listed oldest first
    const all = str(body, 'IncludeKeyMaterial') === 'ALL_KEY_MATERIAL'
    const rows = (all ? versions : versions.slice(1)).map((v) =>
      compact({
        KeyId: awsKeyArn(call.region, call.accountId, v.KeyId ?? ''),
        KeyMaterialId: v.KeyVersionId,
        RotationDate: epochSeconds(v.CreationDate),
      }),
    )
    const { page, ...more } = pageOfList(rows, body, 1000)
    return { Rotations: page, ...more }
  },
})
