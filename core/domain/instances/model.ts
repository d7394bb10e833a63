/**
 * @module core/domain/instances/model
 *
 * KMS instances (the KMS 3.0 model): a container of keys and secrets with its own key, secret and
 * requests-per-second quotas. Alibaba sells them; here the operator creates them through the
 * local admin route (`npm run instance -- create`, scripts/instance.ts). Keys and secrets created
 * without `DKMSInstanceId` stay in the account's shared default (`SHARED_INSTANCE`), which has
 * no instance quotas.
 */
import { KmsError } from '../../errors'

/** Software key management, hardware key management (HSM), external key management (XKI). */
export type InstanceType = 'software' | 'hsm' | 'external'
export const INSTANCE_TYPES: readonly InstanceType[] = ['software', 'hsm', 'external']

export interface InstanceRecord {
  /** `kst-<region code><random>`, as Alibaba's. */
  instanceId: string
  accountId: string
  region: string
  instanceName: string
  type: InstanceType
  /** Key quota (Alibaba `KeyNum`). */
  keyNum: number
  /** Secret quota (Alibaba `SecretNum`). */
  secretNum: number
  /** Computing performance in requests per second (Alibaba `Spec`). */
  spec: number
  vpcNum: number
  /** Keys / secrets counted against the quota (conditional counters on the instance item). */
  keyCount: number
  secretCount: number
  createdAt: string
  /** Subscription end; local instances never expire (`9999-12-31T00:00:00Z`). */
  endDate: string
}

export const INSTANCE_ID = /^kst-[a-z0-9]{6,40}$/

export const INSTANCE_LIMITS = {
  keyNum: { min: 0, max: 100_000 },
  secretNum: { min: 0, max: 100_000 },
  spec: { min: 1, max: 1_000_000 },
  vpcNum: { min: 0, max: 1_000 },
} as const

export function instanceNotFound(): KmsError {
  return new KmsError('instance.notFound', 'The specified DKMS Instance is not found.')
}

/** The KMS 3.0 protection level of keys in an instance of this type. */
export function protectionLevelOf(type: InstanceType): 'SOFTWARE' | 'HSM' | 'EXTERNAL' {
  return type === 'software' ? 'SOFTWARE' : type === 'hsm' ? 'HSM' : 'EXTERNAL'
}

/** Alibaba-style region code of an instance id: `cn-hangzhou` → `hzz`, `ap-southeast-1` → `aps1`. */
export function regionCode(region: string): string {
  const parts = region
    .toLowerCase()
    .split('-')
    .filter((p) => /^[a-z0-9]+$/.test(p))
  const main = parts.length > 1 ? parts[1]! : (parts[0] ?? 'loc')
  const digits = parts
    .slice(2)
    .join('')
    .replace(/[^0-9]/g, '')
  return (main.slice(0, 2) + 'z' + digits).slice(0, 8)
}
