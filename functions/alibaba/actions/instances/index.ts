/**
 * @module functions/alibaba/actions/instances — the KMS 3.0 instance reads, one file each
 * (read-only through the API; the operator creates instances, functions/local-admin.ts).
 */
import type { ActionDescriptor } from '../../action'
import { GetKmsInstance } from './get-kms-instance'
import { GetKmsInstanceQuotaInfos } from './get-kms-instance-quota-infos'
import { ListKmsInstances } from './list-kms-instances'

export const INSTANCE_ACTIONS: readonly ActionDescriptor[] = [ListKmsInstances, GetKmsInstance, GetKmsInstanceQuotaInfos]
