import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { KmsError } from '../../errors'
import { createAlias, deleteAlias, updateAlias } from './aliases'
import { createKey } from './create-key'

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof KmsError) return err.code
    throw err
  }
  return 'ok'
}

async function setup() {
  const deps = memoryKeyDeps()
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => createKey(deps, CALLER, {})))
  await createAlias(deps, CALLER, 'alias/app', a!.keyId)
  const target = async () => (await deps.aliases.get(CALLER.accountId, CALLER.region, 'alias/app'))?.keyId
  return { deps, a: a!.keyId, b: b!.keyId, c: c!.keyId, target }
}

describe('alias changes are written only while the alias points at the key authorised', () => {
  it('UpdateAlias refuses an alias re-pointed since authorisation, and writes nothing', async () => {
    const { deps, a, b, c, target } = await setup()
    // Authorised while alias/app pointed at b; an admin has re-pointed it to a since.
    expect(await code(updateAlias(deps, CALLER, 'alias/app', c, b))).toBe('concurrency.conflict')
    expect(await target()).toBe(a)
    await updateAlias(deps, CALLER, 'alias/app', c, a)
    expect(await target()).toBe(c)
    expect(await code(updateAlias(deps, CALLER, 'alias/none', c, a))).toBe('alias.notFound')
  })

  it('UpdateAlias loses a race at the conditional write', async () => {
    const { deps, a, b, c, target } = await setup()
    const update = deps.aliases.update.bind(deps.aliases)
    // The alias moves to b between the handler's read and its write.
    deps.aliases.update = async (alias, expected) => {
      await update({ ...alias, keyId: b })
      return update(alias, expected)
    }
    expect(await code(updateAlias(deps, CALLER, 'alias/app', c, a))).toBe('concurrency.conflict')
    expect(await target()).toBe(b)
  })

  it('DeleteAlias deletes only while the alias points at the key authorised', async () => {
    const { deps, a, b, target } = await setup()
    expect(await code(deleteAlias(deps, CALLER, 'alias/app', b))).toBe('concurrency.conflict')
    expect(await target()).toBe(a)
    await deleteAlias(deps, CALLER, 'alias/app', a)
    expect(await target()).toBeUndefined()
    expect(await code(deleteAlias(deps, CALLER, 'alias/app', a))).toBe('alias.notFound')
  })
})
