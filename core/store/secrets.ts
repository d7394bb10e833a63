/**
 * @module core/store/secrets
 *
 * DynamoDB implementation of the SecretRepository port (layout in ./SCHEMA.md (Secrets)). Heads
 * and version items share the partition `SECRET#<account>#<region>#<name>` (heads `META`,
 * versions `VERSION#<id>`), so one consistent Query lists every item of a secret. Every write is
 * a single-item conditional write; the head carries the due-time index attributes (gsi2) for the
 * scheduled job.
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete'
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import { secretDueTime, type SecretRecord, type SecretVersionRecord } from '../domain/secrets/model'

import type { DueSecretRef, SecretRepository } from '../domain/ports'
import type { RotationScheduleStore } from '../domain/secrets/rotation/schedule'
import { ownerPartition } from './repositories'
import { fromPairs, guard, stripUndefined, toPairs } from './common'
import type { KmsEntities, KmsTable } from './table'

export const SECRET_DUE_PARTITION = 'DUE#SECRET'
export const SECRET_ROTATION_DUE_PARTITION = 'DUE#SECRET_ROTATION'

/** The secret's part of table keys and due-index sort keys: `<account>#<region>#<name>`. */
export function secretKey(s: Pick<SecretRecord, 'accountId' | 'region' | 'secretName'>): string {
  return `${s.accountId}#${s.region}#${s.secretName}`
}

function headItem(head: SecretRecord) {
  const due = secretDueTime(head)
  return stripUndefined({
    ...head,
    rotation: head.rotation === undefined ? undefined : JSON.stringify(head.rotation),
    versions: head.versions.map((v) => ({ versionId: v.versionId, createdAt: v.createdAt })),
    stages: toPairs(head.stages),
    tags: toPairs(head.tags),
    gsi1pk: ownerPartition(head.accountId, head.region, 'SECRETS'),
    gsi1sk: head.secretName,
    gsi2pk: due === undefined ? undefined : SECRET_DUE_PARTITION,
    gsi2sk: due === undefined ? undefined : `${due}#${secretKey(head)}`,
  })
}

function toSecretRecord(item: Record<string, unknown>): SecretRecord {
  const { gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, stages, tags, rotation, ...rest } = item
  const record = { ...(rest as unknown as SecretRecord), stages: fromPairs(stages), tags: fromPairs(tags) }
  if (typeof rotation === 'string') record.rotation = JSON.parse(rotation) as SecretRecord['rotation']
  return record
}

export class DynamoSecretRepository implements SecretRepository, RotationScheduleStore {
  constructor(
    private readonly table: KmsTable,
    private readonly entities: KmsEntities,
  ) {}

  getHead(accountId: string, region: string, secretName: string): Promise<SecretRecord | undefined> {
    return guard('get secret', async () => {
      const { Item } = await this.entities.SecretEntity.build(GetItemCommand)
        .key({ accountId, region, secretName })
        .options({ consistent: true })
        .send()
      return Item ? toSecretRecord(Item) : undefined
    })
  }

  createHead(head: SecretRecord): Promise<void> {
    return guard('create secret', async () => {
      await this.entities.SecretEntity.build(PutItemCommand)
        .item(headItem(head) as never)
        .options({ condition: { attr: 'secretName', exists: false } })
        .send()
    })
  }

  replaceHead(head: SecretRecord, expectedRev: number): Promise<void> {
    return guard('replace secret', async () => {
      await this.entities.SecretEntity.build(PutItemCommand)
        .item(headItem(head) as never)
        .options({ condition: { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }

  deleteHead(accountId: string, region: string, secretName: string, expectedRev: number): Promise<void> {
    return guard('delete secret', async () => {
      await this.entities.SecretEntity.build(DeleteItemCommand)
        .key({ accountId, region, secretName })
        .options({ condition: { attr: 'rev', eq: expectedRev } })
        .send()
    })
  }

  listByAccount(accountId: string, region: string): Promise<SecretRecord[]> {
    return guard('list secrets', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.SecretEntity)
        .query({ index: 'gsi1', partition: ownerPartition(accountId, region, 'SECRETS') })
        .options({ maxPages: Infinity })
        .send()
      return Items.map((i) => toSecretRecord(i as Record<string, unknown>))
    })
  }

  getVersion(accountId: string, region: string, secretName: string, versionId: string): Promise<SecretVersionRecord | undefined> {
    return guard('get secret version', async () => {
      const { Item } = await this.entities.SecretVersionEntity.build(GetItemCommand)
        .key({ accountId, region, secretName, versionId })
        .options({ consistent: true })
        .send()
      return Item as SecretVersionRecord | undefined
    })
  }

  createVersion(version: SecretVersionRecord): Promise<void> {
    return guard('create secret version', async () => {
      await this.entities.SecretVersionEntity.build(PutItemCommand)
        .item(version)
        .options({ condition: { attr: 'versionId', exists: false } })
        .send()
    })
  }

  replaceVersion(version: SecretVersionRecord, expectedToken: string): Promise<void> {
    return guard('replace secret version', async () => {
      await this.entities.SecretVersionEntity.build(PutItemCommand)
        .item(version)
        .options({ condition: { attr: 'token', eq: expectedToken } })
        .send()
    })
  }

  deleteVersion(accountId: string, region: string, secretName: string, versionId: string, expectedToken: string): Promise<void> {
    return guard('delete secret version', async () => {
      await this.entities.SecretVersionEntity.build(DeleteItemCommand)
        .key({ accountId, region, secretName, versionId })
        .options({ condition: { attr: 'token', eq: expectedToken } })
        .send()
    })
  }

  listVersionItems(accountId: string, region: string, secretName: string): Promise<SecretVersionRecord[]> {
    return guard('list secret versions', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.SecretVersionEntity)
        .query({
          partition: `SECRET#${secretKey({ accountId, region, secretName })}`,
          range: { beginsWith: 'VERSION#' },
        })
        .options({ consistent: true, maxPages: Infinity })
        .send()
      return Items as SecretVersionRecord[]
    })
  }

  listDue(nowIso: string, limit: number): Promise<{ items: DueSecretRef[]; more: boolean }> {
    return guard('list due secrets', async () => {
      // `$` sorts right after the `#` that ends the time, so this is "due at or before now".
      const { Items = [], LastEvaluatedKey } = await this.table
        .build(QueryCommand)
        .entities(this.entities.SecretEntity)
        .query({ index: 'gsi2', partition: SECRET_DUE_PARTITION, range: { lt: `${nowIso}$` } })
        .options({ limit: limit + 1, maxPages: 1 })
        .send()
      const refs = Items.map((i) => {
        const head = toSecretRecord(i as Record<string, unknown>)
        return {
          accountId: head.accountId,
          region: head.region,
          secretName: head.secretName,
          due: secretDueTime(head) ?? nowIso,
        }
      })
      // A 1 MB page may end before `limit` items: LastEvaluatedKey also means "more".
      return { items: refs.slice(0, limit), more: refs.length > limit || LastEvaluatedKey !== undefined }
    })
  }

  putRotationSchedule(ref: SecretRef, due: string): Promise<void> {
    return guard('put secret rotation schedule', async () => {
      await this.entities.SecretRotationScheduleEntity.build(PutItemCommand)
        .item({
          accountId: ref.accountId,
          region: ref.region,
          secretName: ref.secretName,
          due,
          gsi2pk: SECRET_ROTATION_DUE_PARTITION,
          gsi2sk: `${due}#${secretKey(ref)}`,
        })
        .send()
    })
  }

  deleteRotationSchedule(ref: SecretRef, expectedDue: string): Promise<void> {
    return guard('delete secret rotation schedule', async () => {
      await this.entities.SecretRotationScheduleEntity.build(DeleteItemCommand)
        .key({ accountId: ref.accountId, region: ref.region, secretName: ref.secretName })
        .options({ condition: { attr: 'due', eq: expectedDue } })
        .send()
    })
  }

  listDueRotations(nowIso: string, limit: number): Promise<{ items: DueSecretRef[]; more: boolean }> {
    return guard('list due secret rotations', async () => {
      const { Items = [], LastEvaluatedKey } = await this.table
        .build(QueryCommand)
        .entities(this.entities.SecretRotationScheduleEntity)
        .query({ index: 'gsi2', partition: SECRET_ROTATION_DUE_PARTITION, range: { lt: `${nowIso}$` } })
        .options({ limit: limit + 1, maxPages: 1 })
        .send()
      const refs = Items.map((i) => {
        const r = i as unknown as SecretRef & { due: string }
        return { accountId: r.accountId, region: r.region, secretName: r.secretName, due: r.due }
      })
      return { items: refs.slice(0, limit), more: refs.length > limit || LastEvaluatedKey !== undefined }
    })
  }
}

type SecretRef = Pick<SecretRecord, 'accountId' | 'region' | 'secretName'>
