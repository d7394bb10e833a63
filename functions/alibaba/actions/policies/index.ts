/**
 * @module functions/alibaba/actions/policies — the KMS (2016-01-20) resource-policy actions,
 * one file each: GetKeyPolicy, SetKeyPolicy, GetSecretPolicy, SetSecretPolicy.
 */
import type { ActionDescriptor } from '../../action'
import { GetKeyPolicy } from './get-key-policy'
import { GetSecretPolicy } from './get-secret-policy'
import { SetKeyPolicy } from './set-key-policy'
import { SetSecretPolicy } from './set-secret-policy'

export const POLICY_ACTIONS: readonly ActionDescriptor[] = [GetKeyPolicy, SetKeyPolicy, GetSecretPolicy, SetSecretPolicy]
