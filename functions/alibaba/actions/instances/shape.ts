/**
 * @module functions/alibaba/actions/instances/shape
 *
 * How a KMS 3.0 instance is answered (not an action). Field names and types as the 3.x SDK
 * models: `Spec`, `KeyNum`, `VpcNum` numbers, `SecretNum` a string; `Status` `Connected` (a local
 * instance is usable from creation).
 */
import type { InstanceRecord } from '../../../../core/domain/instances/model'

/** @throws never */
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

/** GetKmsInstance's `KmsInstance`. @throws never */
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
