/**
 * @module functions/aws/registry
 *
 * Every AWS operation this service answers, by `X-Amz-Target`, listed explicitly. The README's
 * AWS coverage table is tested against the same list (test/unit/readme-coverage.test.ts).
 */
import type { AwsAction } from './action'
import { Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncrypt } from './kms/crypto'
import { CancelKeyDeletion, CreateKey, DescribeKey, DisableKey, EnableKey, ListKeys, ScheduleKeyDeletion, UpdateKeyDescription } from './kms/keys'

function byName(list: readonly AwsAction[]): ReadonlyMap<string, AwsAction> {
  const map = new Map<string, AwsAction>()
  for (const a of list) {
    if (map.has(a.name)) throw new Error(`AWS registry: ${a.name} registered twice`)
    map.set(a.name, a)
  }
  return map
}

/** `TrentService.<Op>`. */
export const AWS_KMS_ACTIONS: ReadonlyMap<string, AwsAction> = byName([
  CreateKey,
  DescribeKey,
  ListKeys,
  EnableKey,
  DisableKey,
  UpdateKeyDescription,
  ScheduleKeyDeletion,
  CancelKeyDeletion,
  Encrypt,
  Decrypt,
  ReEncrypt,
  GenerateDataKey,
  GenerateDataKeyWithoutPlaintext,
])

/** `secretsmanager.<Op>`. */
export const AWS_SECRETS_ACTIONS: ReadonlyMap<string, AwsAction> = byName([])

