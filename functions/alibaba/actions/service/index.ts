/** @module functions/alibaba/actions/service — the service-level actions, one file each. */
import type { ActionDescriptor } from '../../action'
import { DescribeAccountKmsStatus } from './describe-account-kms-status'
import { DescribeRegions } from './describe-regions'
import { OpenKmsService } from './open-kms-service'

export const SERVICE_ACTIONS: readonly ActionDescriptor[] = [DescribeRegions, DescribeAccountKmsStatus, OpenKmsService]
