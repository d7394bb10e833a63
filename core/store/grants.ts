/**
 * @module core/store/grants
 *
 * DynamoDB implementation of the GrantRepository port (layout in ./SCHEMA.md (Grants)). A grant
 * is an item of its key's partition (`KEY#<keyId>` / `GRANT#<grantId>`), so every grant of a key
 * is one consistent Query (`begins_with(sk, "GRANT#")`), never a scan; grants with a retiring
 * principal also carry gsi1 (`ACCOUNT#<acct>#<region>#RETIRABLE#<principal>` / `<createdAt>#<grantId>`)
 * for ListRetirableGrants. Grants never change: created conditional on absence, deleted
 * conditional on presence.
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete'
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import type { GrantConstraints, GrantOperation, GrantRecord } from '../domain/grants/model'
import type { GrantRepository } from '../domain/ports'
import { fromPairs, guard, stripUndefined, toPairs } from './common'
import type { KmsEntities, KmsTable } from './table'

/** gsi1 partition of the grants an account's retiring principal may retire. */
export function retirablePartition(accountId: string, region: string, principal: string): string {
  return `ACCOUNT#${accountId}#${region}#RETIRABLE#${principal}`
}

/** The item of a grant (the one place a record becomes an item). */
export function grantItem(g: GrantRecord) {
  const c = g.constraints
  return stripUndefined({
    keyId: g.keyId,
    grantId: g.grantId,
    accountId: g.accountId,
    region: g.region,
    name: g.name,
    granteePrincipal: g.granteePrincipal,
    retiringPrincipal: g.retiringPrincipal,
    operations: [...g.operations],
    constraintKind: c?.encryptionContextEquals ? 'equals' : c?.encryptionContextSubset ? 'subset' : undefined,
    constraintPairs: c ? toPairs(c.encryptionContextEquals ?? c.encryptionContextSubset ?? {}) : undefined,
    issuingAccount: g.issuingAccount,
    createdAt: g.createdAt,
    gsi1pk: g.retiringPrincipal ? retirablePartition(g.accountId, g.region, g.retiringPrincipal) : undefined,
    gsi1sk: g.retiringPrincipal ? `${g.createdAt}#${g.grantId}` : undefined,
  })
}

/** The record of a grant item (the one place an item becomes a record). */
export function toGrantRecord(item: Record<string, unknown>): GrantRecord {
  const i = item as {
    keyId: string
    grantId: string
    accountId: string
    region: string
    name?: string
    granteePrincipal: string
    retiringPrincipal?: string
    operations: string[]
    constraintKind?: string
    constraintPairs?: unknown
    issuingAccount: string
    createdAt: string
  }
  let constraints: GrantConstraints | undefined
  if (i.constraintKind === 'equals') constraints = { encryptionContextEquals: fromPairs(i.constraintPairs) }
  else if (i.constraintKind === 'subset') constraints = { encryptionContextSubset: fromPairs(i.constraintPairs) }
  return stripUndefined({
    grantId: i.grantId,
    keyId: i.keyId,
    accountId: i.accountId,
    region: i.region,
    name: i.name,
    granteePrincipal: i.granteePrincipal,
    retiringPrincipal: i.retiringPrincipal,
    operations: [...i.operations] as GrantOperation[],
    constraints,
    issuingAccount: i.issuingAccount,
    createdAt: i.createdAt,
  }) as GrantRecord
}

const oldestFirst = (a: GrantRecord, b: GrantRecord) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0

export class DynamoGrantRepository implements GrantRepository {
  constructor(
    private readonly table: KmsTable,
    private readonly entities: KmsEntities,
  ) {}

  get(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    return guard('get grant', async () => {
      const { Item } = await this.entities.GrantEntity.build(GetItemCommand).key({ keyId, grantId }).options({ consistent: true }).send()
      return Item ? toGrantRecord(Item as Record<string, unknown>) : undefined
    })
  }

  listByKey(keyId: string): Promise<GrantRecord[]> {
    return guard('list grants', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.GrantEntity)
        .query({ partition: `KEY#${keyId}`, range: { beginsWith: 'GRANT#' } })
        .options({ consistent: true, maxPages: Infinity })
        .send()
      return Items.map((i) => toGrantRecord(i as Record<string, unknown>)).sort(oldestFirst)
    })
  }

  listByRetiringPrincipal(accountId: string, region: string, principal: string): Promise<GrantRecord[]> {
    return guard('list retirable grants', async () => {
      const { Items = [] } = await this.table
        .build(QueryCommand)
        .entities(this.entities.GrantEntity)
        .query({ index: 'gsi1', partition: retirablePartition(accountId, region, principal) })
        .options({ maxPages: Infinity })
        .send()
      return Items.map((i) => toGrantRecord(i as Record<string, unknown>)).sort(oldestFirst)
    })
  }

  create(grant: GrantRecord): Promise<void> {
    return guard('create grant', async () => {
      await this.entities.GrantEntity.build(PutItemCommand)
        .item(grantItem(grant) as never)
        .options({ condition: { attr: 'grantId', exists: false } })
        .send()
    })
  }

  delete(keyId: string, grantId: string): Promise<void> {
    return guard('delete grant', async () => {
      await this.entities.GrantEntity.build(DeleteItemCommand)
        .key({ keyId, grantId })
        .options({ condition: { attr: 'grantId', exists: true } })
        .send()
    })
  }
}
