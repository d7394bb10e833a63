/**
 * The default CMK's rules (./default-key-rules.ts) with the in-memory store: one per account and
 * region under concurrent first use; description and tags change; disable, deletion, deletion
 * protection, BYOK and rotation are refused with their codes, and nothing is written.
 */
import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { KmsError } from '../../errors'
import { DEFAULT_KEY_ALIAS, defaultKeyId, ensureDefaultKey } from '../secrets/service-keys'
import { createAlias } from './aliases'
import { getParametersForImport } from './byok/get-parameters-for-import'
import { createKey } from './create-key'
import { disableKey, scheduleKeyDeletion, setDeletionProtection, updateKeyDescription } from './key-lifecycle'
import { updateRotationPolicy } from './key-versions'

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KmsError)
  return (err as KmsError).code
}

describe('the default CMK', () => {
  it('is one key per account and region, whatever the number of concurrent first uses', async () => {
    const deps = memoryKeyDeps()
    const keys = await Promise.all(Array.from({ length: 8 }, () => ensureDefaultKey(deps, CALLER)))
    expect(new Set(keys.map((k) => k.keyId))).toEqual(new Set([defaultKeyId(CALLER.accountId, CALLER.region)]))
    expect([...deps.keys.items.values()].filter((k) => k.creatorType === 'Default')).toHaveLength(1)
    expect((await deps.aliases.get(CALLER.accountId, CALLER.region, DEFAULT_KEY_ALIAS))?.keyId).toBe(keys[0]!.keyId)
    const other = await ensureDefaultKey(deps, { ...CALLER, region: 'cn-shanghai' })
    expect(other.keyId).not.toBe(keys[0]!.keyId)
    // CreateKey never makes another default key, and alias/acs/ names stay reserved.
    expect((await createKey(deps, CALLER, {})).creatorType).toBe('User')
    expect(await code(createAlias(deps, CALLER, 'alias/acs/other', keys[0]!.keyId))).toBe('alias.invalidName')
  })

  it('takes a new description; refuses disable, deletion, deletion protection, BYOK and rotation', async () => {
    const deps = memoryKeyDeps()
    const key = await ensureDefaultKey(deps, CALLER)
    const updated = await updateKeyDescription(deps, CALLER, key.keyId, 'our default key')
    expect(updated.description).toBe('our default key')
    const before = structuredClone(deps.keys.items.get(key.keyId))
    expect(await code(disableKey(deps, CALLER, key.keyId))).toBe('key.serviceManaged')
    expect(await code(scheduleKeyDeletion(deps, CALLER, key.keyId, 7))).toBe('key.serviceManaged')
    expect(await code(setDeletionProtection(deps, CALLER, key.keyId, true, 'x'))).toBe('key.serviceManaged')
    expect(
      await code(
        getParametersForImport(deps, CALLER, { keyId: key.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' }),
      ),
    ).toBe('key.unsupportedOrigin')
    expect(await code(updateRotationPolicy(deps, CALLER, key.keyId, true, '365d'))).toBe('key.unsupportedOperation')
    expect(await code(updateRotationPolicy(deps, CALLER, DEFAULT_KEY_ALIAS, true, undefined))).toBe('key.unsupportedOperation')
    await updateRotationPolicy(deps, CALLER, key.keyId, false, undefined)
    expect(deps.keys.items.get(key.keyId)).toEqual(before)
  })
})
