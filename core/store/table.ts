/**
 * @module core/store/table
 *
 * The single DynamoDB table and its entities (dynamodb-toolbox). The layout is documented in
 * ./SCHEMA.md; keep the two in step. The same definitions serve dynalite (local) and DynamoDB.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { Entity } from 'dynamodb-toolbox/entity'
import { boolean } from 'dynamodb-toolbox/schema/boolean'
import { item } from 'dynamodb-toolbox/schema/item'
import { list } from 'dynamodb-toolbox/schema/list'
import { map } from 'dynamodb-toolbox/schema/map'
import { number } from 'dynamodb-toolbox/schema/number'
import { string } from 'dynamodb-toolbox/schema/string'
import { Table } from 'dynamodb-toolbox/table'

/** Attribute and index names, shared with scripts/lib/create-table.ts. */
export const TABLE_LAYOUT = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: {
    /** Listing by owner: `ACCOUNT#<acct>#<region>#KEYS` / `…#ALIASES` / `…#SECRETS`. */
    gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** Due-time index for scheduled jobs: `DUE#<job>` / `<iso time>#<id>` (sparse). */
    gsi2: { partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  },
  /** DynamoDB's TTL attribute (epoch seconds), on the nonce ledger's `CLAIM#` items (./SCHEMA.md, Nonce ledger). */
  ttlAttribute: 'expiresAt',
} as const

export function createTable(name: string, documentClient: DynamoDBDocumentClient) {
  return new Table({
    name,
    documentClient,
    partitionKey: { name: 'pk', type: 'string' },
    sortKey: { name: 'sk', type: 'string' },
    indexes: {
      gsi1: {
        type: 'global',
        partitionKey: { name: 'gsi1pk', type: 'string' },
        sortKey: { name: 'gsi1sk', type: 'string' },
      },
      gsi2: {
        type: 'global',
        partitionKey: { name: 'gsi2pk', type: 'string' },
        sortKey: { name: 'gsi2sk', type: 'string' },
      },
    },
  })
}

export type KmsTable = ReturnType<typeof createTable>

const versionSchema = map({
  versionId: string(),
  createdAt: string(),
  wrappedMaterial: string().optional(),
  publicKeySpki: string().optional(),
  hsmState: string().enum('Creating', 'Active', 'Missing').optional(),
})

const importParametersSchema = map({
  tokenId: string(),
  wrappingAlgorithm: string(),
  wrappingKeySpec: string(),
  wrappedPrivateKey: string(),
  expiresAt: string(),
})

export function createEntities(table: KmsTable) {
  const KeyEntity = new Entity({
    name: 'Key',
    table,
    timestamps: false,
    schema: item({
      keyId: string().key(),
      accountId: string(),
      region: string(),
      instanceId: string(),
      keySpec: string(),
      keyUsage: string(),
      origin: string(),
      protectionLevel: string(),
      creatorType: string(),
      keyState: string(),
      description: string(),
      creator: string(),
      createdAt: string(),
      deleteDate: string().optional(),
      deletionProtection: boolean(),
      deletionProtectionDescription: string().optional(),
      primaryVersionId: string().optional(),
      versions: list(versionSchema),
      automaticRotation: boolean(),
      rotationIntervalSeconds: number().optional(),
      lastRotationDate: string().optional(),
      nextRotationDate: string().optional(),
      // Tags as a list of pairs, not a map: a map whose keys are user data breaks the
      // DynamoDB marshaller for names like `constructor`.
      tags: list(map({ k: string(), v: string() })),
      rev: number(),
      materialExpireTime: string().optional(),
      importParameters: importParametersSchema.optional(),
      materialFingerprint: string().optional(),
      gsi1pk: string(),
      gsi1sk: string(),
      gsi2pk: string().optional(),
      gsi2sk: string().optional(),
    }),
    computeKey: ({ keyId }: { keyId: string }) => ({ pk: `KEY#${keyId}`, sk: 'META' }),
  })

  const AliasEntity = new Entity({
    name: 'Alias',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      region: string().key(),
      aliasName: string().key(),
      keyId: string(),
      createdAt: string(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ accountId, region, aliasName }) => ({
      pk: `ALIAS#${accountId}#${region}#${aliasName}`,
      sk: 'META',
    }),
  })

  const AccessKeyEntity = new Entity({
    name: 'AccessKey',
    table,
    timestamps: false,
    schema: item({
      accessKeyId: string().key(),
      accountId: string(),
      principal: string(),
      status: string(),
      wrappedSecret: string(),
      createdAt: string(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ accessKeyId }) => ({ pk: `AK#${accessKeyId}`, sk: 'META' }),
  })

  const AccountEntity = new Entity({
    name: 'Account',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      createdAt: string(),
    }),
    computeKey: ({ accountId }) => ({ pk: `ACCOUNT#${accountId}`, sk: 'META' }),
  })

  // Secrets manager: layout in ./SCHEMA.md (Secrets).
  const SecretEntity = new Entity({
    name: 'Secret',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      region: string().key(),
      secretName: string().key(),
      secretType: string(),
      description: string(),
      encryptionKeyId: string(),
      instanceId: string(),
      creator: string(),
      createdAt: string(),
      updatedAt: string(),
      state: string(),
      plannedDeleteTime: string().optional(),
      // Labels and tags are user data: stored as pairs, never as map keys (see the Key entity).
      stages: list(map({ k: string(), v: string() })),
      versions: list(map({ versionId: string(), createdAt: string() })),
      tags: list(map({ k: string(), v: string() })),
      sweepAt: string().optional(),
      rev: number(),
      uid: string().optional(),
      // Managed secrets and rotation (SCHEMA.md): ExtendedConfig text, rotation state as JSON.
      extendedConfig: string().optional(),
      rotation: string().optional(),
      gsi1pk: string(),
      gsi1sk: string(),
      gsi2pk: string().optional(),
      gsi2sk: string().optional(),
    }),
    computeKey: ({ accountId, region, secretName }) => ({
      pk: `SECRET#${accountId}#${region}#${secretName}`,
      sk: 'META',
    }),
  })

  // The rotation job's due-time pointer (`DUE#SECRET_ROTATION`), in the secret's partition.
  const SecretRotationScheduleEntity = new Entity({
    name: 'SecretRotationSchedule',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      region: string().key(),
      secretName: string().key(),
      due: string(),
      gsi2pk: string(),
      gsi2sk: string(),
    }),
    computeKey: ({ accountId, region, secretName }) => ({
      pk: `SECRET#${accountId}#${region}#${secretName}`,
      sk: 'ROTATION',
    }),
  })

  const SecretVersionEntity = new Entity({
    name: 'SecretVersion',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      region: string().key(),
      secretName: string().key(),
      versionId: string().key(),
      createdAt: string(),
      secretDataType: string(),
      keyId: string(),
      wrappedDataKey: string(),
      iv: string(),
      ciphertext: string(),
      token: string(),
      writtenAt: number(),
    }),
    computeKey: ({ accountId, region, secretName, versionId }) => ({
      pk: `SECRET#${accountId}#${region}#${secretName}`,
      sk: `VERSION#${versionId}`,
    }),
  })

  // Access control and audit trail: layout in ./SCHEMA.md (Principals, Audit trail).
  const UserEntity = new Entity({
    name: 'User',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      userName: string().key(),
      userId: string(),
      displayName: string(),
      comments: string(),
      email: string(),
      mobilePhone: string(),
      createdAt: string(),
      updatedAt: string(),
      state: string(),
      rev: number(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ accountId, userName }) => ({ pk: `USER#${accountId}#${userName}`, sk: 'META' }),
  })

  const PolicyEntity = new Entity({
    name: 'Policy',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      policyName: string().key(),
      description: string(),
      document: string(),
      createdAt: string(),
      updatedAt: string(),
      state: string(),
      rev: number(),
    }),
    computeKey: ({ accountId, policyName }) => ({ pk: `POLICY#${accountId}#${policyName}`, sk: 'META' }),
  })

  // RAM roles: layout in ./SCHEMA.md (Principals and policies).
  const RoleEntity = new Entity({
    name: 'Role',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      roleName: string().key(),
      roleId: string(),
      description: string(),
      assumeRolePolicyDocument: string(),
      maxSessionDuration: number(),
      createdAt: string(),
      updatedAt: string(),
      state: string(),
      rev: number(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ accountId, roleName }) => ({ pk: `ROLE#${accountId}#${roleName}`, sk: 'META' }),
  })

  const PolicyAttachmentEntity = new Entity({
    name: 'PolicyAttachment',
    table,
    timestamps: false,
    schema: item({
      accountId: string().key(),
      userName: string().key(),
      policyType: string().key(),
      policyName: string().key(),
      attachedAt: string(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ accountId, userName, policyType, policyName }) => ({
      pk: `USERPOLICY#${accountId}#${userName}`,
      sk: `${policyType}#${policyName}`,
    }),
  })

  const ResourcePolicyEntity = new Entity({
    name: 'ResourcePolicy',
    table,
    timestamps: false,
    schema: item({
      /** `KEYPOLICY#<keyId>` or `SECRETPOLICY#<account>#<region>#<secretName>[#<uid>]` (core/store/iam.ts). */
      target: string().key(),
      kind: string(),
      accountId: string(),
      region: string().optional(),
      keyId: string().optional(),
      secretName: string().optional(),
      /** The secret head's per-creation uid (absent for heads created before uids). */
      uid: string().optional(),
      document: string(),
      updatedAt: string(),
      rev: number(),
    }),
    computeKey: ({ target }) => ({ pk: target, sk: 'META' }),
  })

  // KMS instances (core/domain/instances): ./SCHEMA.md (KMS instances). The quota counters
  // live on the instance item and change only by conditional updates.
  const InstanceEntity = new Entity({
    name: 'Instance',
    table,
    timestamps: false,
    schema: item({
      instanceId: string().key(),
      accountId: string(),
      region: string(),
      instanceName: string(),
      type: string().enum('software', 'hsm', 'external'),
      keyNum: number(),
      secretNum: number(),
      spec: number(),
      vpcNum: number(),
      keyCount: number(),
      secretCount: number(),
      createdAt: string(),
      endDate: string(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ instanceId }: { instanceId: string }) => ({ pk: `INSTANCE#${instanceId}`, sk: 'META' }),
  })

  const AuditEventEntity = new Entity({
    name: 'AuditEvent',
    table,
    timestamps: false,
    schema: item({
      eventId: string().key(),
      body: string(),
      accountId: string(),
      time: string(),
      seq: number().optional(),
      prevHash: string().optional(),
      hash: string().optional(),
      mac: string().optional(),
      kid: string().optional(),
      gsi1pk: string(),
      gsi1sk: string(),
      gsi2pk: string(),
      gsi2sk: string(),
    }),
    computeKey: ({ eventId }) => ({ pk: `AUDIT#EVT#${eventId}`, sk: 'EVENT' }),
  })

  const AuditHeadEntity = new Entity({
    name: 'AuditHead',
    table,
    timestamps: false,
    schema: item({
      chain: string().key(),
      seq: number(),
      hash: string(),
      digestSeq: number(),
      digestSignature: string(),
      leaseOwner: string().optional(),
      leaseUntil: number().optional(),
      kid: string().optional(),
      sig: string().optional(),
      rev: number(),
    }),
    computeKey: ({ chain }) => ({ pk: `AUDIT#HEAD#${chain}`, sk: 'META' }),
  })

  const AuditDigestEntity = new Entity({
    name: 'AuditDigest',
    table,
    timestamps: false,
    schema: item({
      digestSeq: number().key(),
      fromSeq: number(),
      toSeq: number(),
      lastHash: string(),
      prevSignature: string(),
      createdAt: string(),
      kid: string(),
      signature: string(),
    }),
    computeKey: ({ digestSeq }) => ({ pk: 'AUDIT#DIGEST', sk: String(digestSeq).padStart(12, '0') }),
  })

  // Grants of a key (AWS dialect): ./SCHEMA.md (Grants). In the key's partition, so one Query
  // lists every grant of a key; gsi1 (only with a retiring principal) serves ListRetirableGrants.
  const GrantEntity = new Entity({
    name: 'Grant',
    table,
    timestamps: false,
    schema: item({
      keyId: string().key(),
      grantId: string().key(),
      accountId: string(),
      region: string(),
      name: string().optional(),
      granteePrincipal: string(),
      retiringPrincipal: string().optional(),
      operations: list(string()),
      /** `subset` or `equals`, with `constraintPairs`; absent without constraints. */
      constraintKind: string().optional(),
      constraintPairs: list(map({ k: string(), v: string() })).optional(),
      issuingAccount: string(),
      createdAt: string(),
      gsi1pk: string().optional(),
      gsi1sk: string().optional(),
    }),
    computeKey: ({ keyId, grantId }: { keyId: string; grantId: string }) => ({ pk: `KEY#${keyId}`, sk: `GRANT#${grantId}` }),
  })

  return {
    KeyEntity,
    AliasEntity,
    AccessKeyEntity,
    AccountEntity,
    SecretEntity,
    SecretVersionEntity,
    SecretRotationScheduleEntity,
    UserEntity,
    PolicyEntity,
    PolicyAttachmentEntity,
    RoleEntity,
    ResourcePolicyEntity,
    AuditEventEntity,
    AuditHeadEntity,
    AuditDigestEntity,
    InstanceEntity,
    GrantEntity,
  }
}

export type KmsEntities = ReturnType<typeof createEntities>
