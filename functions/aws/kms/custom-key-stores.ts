/**
 * @module functions/aws/kms/custom-key-stores — CreateCustomKeyStore, DescribeCustomKeyStores,
 * ConnectCustomKeyStore, DisconnectCustomKeyStore, UpdateCustomKeyStore, DeleteCustomKeyStore
 * (not yet: UnsupportedOperationException).
 */
import { unsupportedOperation } from './unsupported'

const WHY = 'Custom key stores are not supported through the AWS API yet; use CreateExternalKeyStore (Alibaba dialect).'
export const CreateCustomKeyStore = unsupportedOperation('CreateCustomKeyStore', WHY)
export const DescribeCustomKeyStores = unsupportedOperation('DescribeCustomKeyStores', WHY)
export const ConnectCustomKeyStore = unsupportedOperation('ConnectCustomKeyStore', WHY)
export const DisconnectCustomKeyStore = unsupportedOperation('DisconnectCustomKeyStore', WHY)
export const UpdateCustomKeyStore = unsupportedOperation('UpdateCustomKeyStore', WHY)
export const DeleteCustomKeyStore = unsupportedOperation('DeleteCustomKeyStore', WHY)
