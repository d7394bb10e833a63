/**
 * @module functions/alibaba/actions/asymmetric
 *
 * Asymmetric keys and data-key export, one file each (ReEncrypt with an asymmetric source is with
 * the symmetric crypto actions). Binary values are base64 on the wire; responses follow
 * @alicloud/kms20160120 1.2.0 (`Value`, `KeyId`, `KeyVersionId`, …; AsymmetricVerify's `Value`
 * is a JSON boolean).
 */
import type { ActionDescriptor } from '../../action'
import { AsymmetricDecrypt } from './asymmetric-decrypt'
import { AsymmetricEncrypt } from './asymmetric-encrypt'
import { AsymmetricSign } from './asymmetric-sign'
import { AsymmetricVerify } from './asymmetric-verify'
import { ExportDataKey } from './export-data-key'
import { GenerateAndExportDataKey } from './generate-and-export-data-key'
import { GetPublicKey } from './get-public-key'

export const ASYMMETRIC_ACTIONS: readonly ActionDescriptor[] = [
  AsymmetricSign,
  AsymmetricVerify,
  AsymmetricEncrypt,
  AsymmetricDecrypt,
  GetPublicKey,
  ExportDataKey,
  GenerateAndExportDataKey,
]
