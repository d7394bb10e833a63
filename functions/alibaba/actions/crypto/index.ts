/** @module functions/alibaba/actions/crypto — Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext), ReEncrypt, one file each. */
import type { ActionDescriptor } from '../../action'
import { Decrypt } from './decrypt'
import { Encrypt } from './encrypt'
import { GenerateDataKey, GenerateDataKeyWithoutPlaintext } from './generate-data-key'
import { ReEncrypt } from './re-encrypt'

export const CRYPTO_ACTIONS: readonly ActionDescriptor[] = [Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncrypt]
