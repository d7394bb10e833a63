/**
 * @module functions/aws/kms/names
 *
 * AWS KMS names ↔ the core's (Alibaba) names: key specs, key usages, origins, and the
 * `KeyMetadata` AWS clients read. One table each, both directions.
 */
import { invalidParameter } from '../../../core/errors'
import { awsKeyArn } from '../arn'
import { compact, epochSeconds, type JsonObject } from '../action'

/** AWS KeySpec → core KeySpec. */
export const KEY_SPECS: Readonly<Record<string, string>> = {
  SYMMETRIC_DEFAULT: 'Aliyun_AES_256',
  RSA_2048: 'RSA_2048',
  RSA_3072: 'RSA_3072',
  RSA_4096: 'RSA_4096',
  ECC_NIST_P256: 'EC_P256',
  ECC_SECG_P256K1: 'EC_P256K',
  HMAC_224: 'HMAC_SHA_224',
  HMAC_256: 'HMAC_SHA_256',
  HMAC_384: 'HMAC_SHA_384',
  HMAC_512: 'HMAC_SHA_512',
  SM2: 'EC_SM2',
}

export const KEY_USAGES: Readonly<Record<string, string>> = {
  ENCRYPT_DECRYPT: 'ENCRYPT/DECRYPT',
  SIGN_VERIFY: 'SIGN/VERIFY',
  GENERATE_VERIFY_MAC: 'GENERATE/VERIFY_MAC',
}

export const ORIGINS: Readonly<Record<string, string>> = {
  AWS_KMS: 'Aliyun_KMS',
  EXTERNAL: 'EXTERNAL',
  EXTERNAL_KEY_STORE: 'EXTERNAL_KEY_STORE',
}

function invert(table: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(table).map(([aws, core]) => [core, aws]))
}

const SPEC_TO_AWS = invert(KEY_SPECS)
const USAGE_TO_AWS = invert(KEY_USAGES)
const ORIGIN_TO_AWS = invert(ORIGINS)

/** An AWS enum value → the core's, refusing values the core does not offer. */
export function fromAws(table: Readonly<Record<string, string>>, field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const mapped = Object.hasOwn(table, value) ? table[value] : undefined
  if (mapped === undefined) throw invalidParameter(field, `is not a value this service supports (${Object.keys(table).join(', ')}).`)
  return mapped
}

const SIGNING: Readonly<Record<string, string[]>> = {
  RSA_2048: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'],
  RSA_3072: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'],
  RSA_4096: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'],
  ECC_NIST_P256: ['ECDSA_SHA_256'],
  ECC_SECG_P256K1: ['ECDSA_SHA_256'],
  SM2: ['SM2DSA'],
}

function encryptionAlgorithms(spec: string): string[] | undefined {
  if (spec === 'SYMMETRIC_DEFAULT') return ['SYMMETRIC_DEFAULT']
  if (spec.startsWith('RSA_')) return ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']
  if (spec === 'SM2') return ['SM2PKE']
  return undefined
}

/** The core's KeyMetadata (functions/alibaba/shape.ts) as AWS's `KeyMetadata`. */
export function awsKeyMetadata(meta: Record<string, string>, region: string, accountId: string): JsonObject {
  const spec = SPEC_TO_AWS[meta.KeySpec ?? ''] ?? meta.KeySpec ?? 'SYMMETRIC_DEFAULT'
  const usage = USAGE_TO_AWS[meta.KeyUsage ?? ''] ?? meta.KeyUsage ?? 'ENCRYPT_DECRYPT'
  const arnAccount = meta.Arn?.split(':')[3] ?? accountId
  return compact({
    AWSAccountId: arnAccount,
    KeyId: meta.KeyId,
    Arn: awsKeyArn(region, arnAccount, meta.KeyId ?? ''),
    CreationDate: epochSeconds(meta.CreationDate),
    Enabled: meta.KeyState === 'Enabled',
    Description: meta.Description ?? '',
    KeyUsage: usage,
    KeyState: meta.KeyState,
    DeletionDate: epochSeconds(meta.DeleteDate),
    Origin: ORIGIN_TO_AWS[meta.Origin ?? ''] ?? 'AWS_KMS',
    KeyManager: meta.Creator === 'KMS' || meta.CreatorType === 'Service' ? 'AWS' : 'CUSTOMER',
    CustomerMasterKeySpec: spec,
    KeySpec: spec,
    EncryptionAlgorithms: usage === 'ENCRYPT_DECRYPT' ? encryptionAlgorithms(spec) : undefined,
    SigningAlgorithms: usage === 'SIGN_VERIFY' ? SIGNING[spec] : undefined,
    MacAlgorithms: usage === 'GENERATE_VERIFY_MAC' ? [spec.replace('HMAC_', 'HMAC_SHA_')] : undefined,
    MultiRegion: false,
    ValidTo: epochSeconds(meta.MaterialExpireTime),
  })
}
