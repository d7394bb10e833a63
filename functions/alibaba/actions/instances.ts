/**
 * @module functions/alibaba/actions/instances
 *
 * KMS 3.0 instance reads: ListKmsInstances, GetKmsInstance, GetKmsInstanceQuotaInfos. Instances
 * are created by the operator (functions/local-admin.ts, `npm run instance`), never through the
 * API (Alibaba sells them; ConnectKmsInstance / ReleaseKmsInstance are billing and VPC plumbing).
 * Field names and types as the 3.x SDK models: `Spec`, `KeyNum`, `VpcNum` numbers, `SecretNum`
 * a string; `Status` `Connected` (a local instance is usable from creation).
 */
import { getInstance, listInstances } from '../../../core/domain/instances/instances'
import type { InstanceRecord } from '../../../core/domain/instances/model'
import { invalidParameter } from '../../../core/errors'
import type { ActionHandler } from '../context'
import { paged } from '../shape'

export function instanceArn(i: InstanceRecord): string {
  return `acs:kms:${i.region}:${i.accountId}:instance/${i.instanceId}`
}

const PRODUCT_TYPE: Record<InstanceRecord['type'], string> = {
  software: 'kms_ddi_public_cn',
  hsm: 'kms_ddi_public_cn',
  external: 'kms_ddi_public_cn',
}

/** Alibaba's instance types as the console names them (the API's `ProductType` is billing). */
const KM_TYPE: Record<InstanceRecord['type'], string> = {
  software: 'software',
  hsm: 'hardware',
  external: 'external',
}

export function instanceShape(i: InstanceRecord) {
  return {
    InstanceId: i.instanceId,
    KmsInstanceId: i.instanceId,
    KmsInstanceArn: instanceArn(i),
    InstanceName: i.instanceName,
    Status: 'Connected',
    ProductVersion: '3',
    ProductType: PRODUCT_TYPE[i.type],
    KmProvider: 'Aliyun',
    KeyManagementType: KM_TYPE[i.type],
    ChargeType: 'PREPAY',
    SaleStatus: 'Normal',
    Spec: i.spec,
    KeyNum: i.keyNum,
    SecretNum: String(i.secretNum),
    VpcNum: i.vpcNum,
    Log: 0,
    LogStorage: 0,
    VpcId: '',
    VswitchIds: [],
    ZoneIds: [],
    BindVpcs: { BindVpc: [] },
    CaCertificateChainPem: '',
    CreateTime: i.createdAt,
    StartDate: i.createdAt,
    EndDate: i.endDate,
    DeletionProtection: false,
    DeletionProtectionDescription: '',
  }
}

export const ListKmsInstances: ActionHandler = async ({ deps, caller, params }) => {
  if (params.optionalString('Filters', { max: 4096 })) {
    throw invalidParameter('Filters', 'filters are not supported for ListKmsInstances.')
  }
  const page = {
    pageNumber: params.optionalInteger('PageNumber', 1, 100_000) ?? 1,
    pageSize: params.optionalInteger('PageSize', 1, 100) ?? 20,
  }
  const { items, totalCount } = paged(await listInstances(deps.store, caller), page)
  return {
    KmsInstances: { KmsInstance: items.map((i) => ({ KmsInstanceId: i.instanceId, KmsInstanceArn: instanceArn(i) })) },
    TotalCount: totalCount,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
  }
}

export const GetKmsInstance: ActionHandler = async ({ deps, caller, params }) => {
  const instance = await getInstance(deps.store, caller, params.string('KmsInstanceId', { max: 64 }))
  return { KmsInstance: instanceShape(instance) }
}

const RESOURCE_TYPES = ['key', 'secret', 'qps', 'vpc'] as const

export const GetKmsInstanceQuotaInfos: ActionHandler = async ({ deps, caller, params }) => {
  const instance = await getInstance(deps.store, caller, params.string('KmsInstanceId', { max: 64 }))
  const type = params.optionalString('ResourceType', { max: 16 })
  if (type !== undefined && !(RESOURCE_TYPES as readonly string[]).includes(type)) {
    throw invalidParameter('ResourceType', 'must be key, secret, qps or vpc.')
  }
  const all = {
    key: { ResourceType: 'key', ResourceQuota: instance.keyNum, UsedQuantity: instance.keyCount },
    secret: { ResourceType: 'secret', ResourceQuota: instance.secretNum, UsedQuantity: instance.secretCount },
    qps: { ResourceType: 'qps', ResourceQuota: instance.spec, UsedQuantity: 0 },
    vpc: { ResourceType: 'vpc', ResourceQuota: instance.vpcNum, UsedQuantity: 0 },
  }
  return {
    KmsInstanceId: instance.instanceId,
    KmsInstanceQuotaInfos: (type ? [all[type as keyof typeof all]] : Object.values(all)),
  }
}
