/**
 * Policy on CreateKey / CreateSecret (./creation-policy.ts, ./create-key-with-policy.ts,
 * ../secrets/create-secret-with-policy.ts) with the in-memory stores: the policy is stored where
 * Get*Policy reads it, a key's policy is written before the key, a refused policy writes nothing,
 * and a refused creation removes the policy it wrote.
 */
import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { KmsError } from '../../errors'
import { MemoryIam } from '../principals/memory-iam.fake'
import { getKeyPolicy } from '../principals/resource-policies'
import { createKey } from './create-key'
import { createKeyWithPolicy } from './create-key-with-policy'

function policy(accountId: string, extra: object[] = []): string {
  return JSON.stringify({
    Version: '1',
    Statement: [
      { Sid: 'root', Effect: 'Allow', Principal: { RAM: [`acs:ram::${accountId}:*`] }, Action: ['kms:*'], Resource: ['*'] },
      ...extra,
    ],
  })
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return (err as KmsError).code
}

describe('CreateKey with Policy', () => {
  it('stores the policy before the key, under the key id GetKeyPolicy reads', async () => {
    const deps = { ...memoryKeyDeps(), iam: new MemoryIam() }
    const doc = policy(CALLER.accountId, [
      { Effect: 'Deny', Principal: { RAM: ['acs:ram::123:*'] }, Action: ['kms:Decrypt'], Resource: ['*'] },
    ])
    let seenBeforeCreate: string | undefined
    const key = await createKeyWithPolicy(deps, CALLER, doc, async (keyId) => {
      seenBeforeCreate = (await deps.iam.getResourcePolicy({ kind: 'key', keyId: keyId! }))?.document
      return createKey(deps, CALLER, { keyId })
    })
    expect(seenBeforeCreate).toBe(doc)
    expect(await getKeyPolicy(deps, CALLER, key.keyId)).toBe(doc)
  })

  it('refuses malformed and lockout policies before writing anything', async () => {
    const deps = { ...memoryKeyDeps(), iam: new MemoryIam() }
    let created = 0
    const create = async (keyId: string | undefined) => {
      created += 1
      return createKey(deps, CALLER, { keyId })
    }
    expect(await code(createKeyWithPolicy(deps, CALLER, '{not json', create))).toBe('policy.malformed')
    const lockout = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Principal: { RAM: ['acs:ram::999:*'] }, Action: ['kms:*'], Resource: ['*'] }],
    })
    expect(await code(createKeyWithPolicy(deps, CALLER, lockout, create))).toBe('policy.lockout')
    expect(await code(createKeyWithPolicy(deps, CALLER, policy(CALLER.accountId) + ' '.repeat(32768), create))).toBe(
      'validation.invalidParameter',
    )
    expect(created).toBe(0)
    expect(deps.keys.items.size).toBe(0)
  })

  it('a creation refused after the policy was written deletes the policy again', async () => {
    const deps = { ...memoryKeyDeps(), iam: new MemoryIam() }
    let id: string | undefined
    const err = await code(
      createKeyWithPolicy(deps, CALLER, policy(CALLER.accountId), (keyId) => {
        id = keyId
        return createKey(deps, CALLER, { keyId, keySpec: 'Aliyun_AES_128' })
      }),
    )
    expect(err).toBe('key.unsupportedSpec')
    expect(await deps.iam.getResourcePolicy({ kind: 'key', keyId: id! })).toBeUndefined()
  })

  it('without Policy, the creator draws its own id and nothing is written to IAM', async () => {
    const deps = { ...memoryKeyDeps(), iam: new MemoryIam() }
    const key = await createKeyWithPolicy(deps, CALLER, undefined, (keyId) => {
      expect(keyId).toBeUndefined()
      return createKey(deps, CALLER, {})
    })
    expect(await deps.iam.getResourcePolicy({ kind: 'key', keyId: key.keyId })).toBeUndefined()
  })
})
