/** @module functions/alibaba/actions/mac — the HMAC actions GenerateMac and VerifyMac, one file each. */
import type { ActionDescriptor } from '../../action'
import { GenerateMac } from './generate-mac'
import { VerifyMac } from './verify-mac'

export const MAC_ACTIONS: readonly ActionDescriptor[] = [GenerateMac, VerifyMac]
