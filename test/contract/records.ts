/**
 * @module test/contract/records
 *
 * Minimal valid records for the contract suites. Every builder takes overrides; ids default to
 * values that are unique within one test (each test gets a fresh repository).
 */
import type { AccessKeyRecord, AliasRecord, KeyRecord } from '../../core/domain/model'
import type { SecretRecord, SecretVersionRecord } from '../../core/domain/secrets/model'
import type { CustomPolicyRecord, PolicyAttachmentRecord, UserRecord } from '../../core/domain/principals/model'
import type { RoleRecord } from '../../core/domain/principals/role-model'
import type { AuditDigest, AuditRecord, ChainHead } from '../../core/domain/audit/model'

export const ACCOUNT = '1234567890123456'
export const OTHER_ACCOUNT = '6543210987654321'
export const REGION = 'cn-hangzhou'
export const OTHER_REGION = 'cn-shanghai'

export function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyId: 'key-1',
    accountId: ACCOUNT,
    region: REGION,
    instanceId: 'shared',
    keySpec: 'Aliyun_AES_256',
    keyUsage: 'ENCRYPT/DECRYPT',
    origin: 'Aliyun_KMS',
    protectionLevel: 'SOFTWARE',
    creatorType: 'User',
    keyState: 'Enabled',
    description: 'a key',
    creator: ACCOUNT,
    createdAt: '2026-11-01T00:00:00Z',
    deletionProtection: false,
    primaryVersionId: 'v-1',
    versions: [{ versionId: 'v-1', createdAt: '2026-11-01T00:00:00Z', wrappedMaterial: 'rk1.rk-test.AAAA' }],
    automaticRotation: false,
    // User keys as a DynamoDB map would break on `constructor` (core/store/common.ts toPairs).
    tags: { env: 'test', constructor: 'x' },
    rev: 1,
    ...overrides,
  }
}

export function aliasRecord(overrides: Partial<AliasRecord> = {}): AliasRecord {
  return { accountId: ACCOUNT, region: REGION, aliasName: 'alias/a', keyId: 'key-1', createdAt: '2026-11-01T00:00:00Z', ...overrides }
}

export function secretHead(overrides: Partial<SecretRecord> = {}): SecretRecord {
  return {
    accountId: ACCOUNT,
    region: REGION,
    secretName: 'db-password',
    secretType: 'Generic',
    description: 'a secret',
    encryptionKeyId: 'key-1',
    instanceId: 'shared',
    creator: ACCOUNT,
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    state: 'Enabled',
    stages: { ACSCurrent: 'v1' },
    versions: [{ versionId: 'v1', createdAt: '2026-11-01T00:00:00Z' }],
    tags: { team: 'a' },
    rev: 1,
    uid: 'uid-1',
    ...overrides,
  }
}

export function secretVersion(overrides: Partial<SecretVersionRecord> = {}): SecretVersionRecord {
  return {
    accountId: ACCOUNT,
    region: REGION,
    secretName: 'db-password',
    versionId: 'v1',
    createdAt: '2026-11-01T00:00:00Z',
    secretDataType: 'text',
    keyId: 'key-1',
    wrappedDataKey: 'd3JhcHBlZA==',
    iv: 'aXY=',
    ciphertext: 'Y2lwaGVydGV4dA==',
    token: 'token-1',
    writtenAt: 1_764_000_000_000,
    ...overrides,
  }
}

export function userRecord(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    accountId: ACCOUNT,
    userName: 'alice',
    userId: '200000000000000001',
    displayName: 'Alice',
    comments: '',
    email: '',
    mobilePhone: '',
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    state: 'Active',
    rev: 1,
    ...overrides,
  }
}

export function roleRecord(overrides: Partial<RoleRecord> = {}): RoleRecord {
  return {
    accountId: ACCOUNT,
    roleName: 'deployer',
    roleId: '300000000000000001',
    description: '',
    assumeRolePolicyDocument: '{"Version":"1","Statement":[]}',
    maxSessionDuration: 3600,
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    state: 'Active',
    rev: 1,
    ...overrides,
  }
}

export function policyRecord(overrides: Partial<CustomPolicyRecord> = {}): CustomPolicyRecord {
  return {
    accountId: ACCOUNT,
    policyName: 'ReadKeys',
    description: '',
    document: '{"Version":"1","Statement":[]}',
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    state: 'Active',
    rev: 1,
    ...overrides,
  }
}

export function attachmentRecord(overrides: Partial<PolicyAttachmentRecord> = {}): PolicyAttachmentRecord {
  return {
    accountId: ACCOUNT,
    userName: 'alice',
    policyType: 'Custom',
    policyName: 'ReadKeys',
    attachedAt: '2026-11-01T00:00:00Z',
    ...overrides,
  }
}

export function accessKeyRecord(overrides: Partial<AccessKeyRecord> = {}): AccessKeyRecord {
  return {
    accessKeyId: 'LTAI0000000000000001',
    accountId: ACCOUNT,
    principal: 'alice',
    status: 'Active',
    wrappedSecret: 'rk1.rk-test.BBBB',
    createdAt: '2026-11-01T00:00:00Z',
    ...overrides,
  }
}

export function auditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return { eventId: 'e-1', body: '{"outcome":"Pending"}', accountId: ACCOUNT, time: '2026-11-01T00:00:00.000Z', ...overrides }
}

/** `record` as the sealer writes it at chain position `seq`. */
export function sealed(record: AuditRecord, seq: number): AuditRecord {
  return {
    ...record,
    seq,
    prevHash: String(seq - 1).padStart(64, '0'),
    hash: String(seq).padStart(64, 'f'),
    mac: 'c'.repeat(64),
    kid: 'rk-test',
  }
}

export function chainHead(overrides: Partial<ChainHead> = {}): ChainHead {
  return { seq: 0, hash: '0'.repeat(64), digestSeq: 0, digestSignature: '', rev: 1, ...overrides }
}

export function auditDigest(overrides: Partial<AuditDigest> = {}): AuditDigest {
  return {
    digestSeq: 1,
    fromSeq: 1,
    toSeq: 10,
    lastHash: 'a'.repeat(64),
    prevSignature: '',
    createdAt: '2026-11-01T00:00:00Z',
    kid: 'rk-test',
    signature: 's'.repeat(86),
    ...overrides,
  }
}
