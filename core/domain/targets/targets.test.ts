import { describe, expect, it } from 'vitest'
import { CALLER, memoryKeyDeps } from '../../../test/fakes/memory-store'
import { createKey } from '../keys/create-key'
import type { PolicyDocument } from '../policy/document'
import type { KeyView } from '../principals/access-control'
import { keyTarget } from './model'
import { parseKeyReference, parseSecretTarget } from './parse'
import { TargetResolver, type TargetDeps } from './resolve'

const OTHER = '9999999999999999'
const DEFAULT: PolicyDocument = { kind: 'resource', statements: [] }

async function setup() {
  const deps = memoryKeyDeps()
  const key = await createKey(deps, CALLER, {})
  await deps.aliases.create({ accountId: CALLER.accountId, region: CALLER.region, aliasName: 'alias/app', keyId: key.keyId } as never)
  let aliasReads = 0
  const targetDeps: TargetDeps = {
    access: {
      key: async (id): Promise<KeyView> => {
        const k = await deps.keys.get(id)
        return k ? { exists: true, accountId: k.accountId, region: k.region, tags: {}, policy: DEFAULT } : { exists: false, tags: {} }
      },
      defaultPolicy: () => DEFAULT,
      secretPolicy: async () => DEFAULT,
    },
    aliases: { get: (...a) => ((aliasReads += 1), deps.aliases.get(...a)) },
    secrets: { getHead: async () => undefined },
    clock: deps.clock,
  }
  return { key, resolver: new TargetResolver(targetDeps, CALLER), aliasReads: () => aliasReads }
}

describe('parseKeyReference', () => {
  it('names the account of an ARN, else the caller’s', () => {
    expect(parseKeyReference('k', CALLER)).toMatchObject({ kind: 'id', keyId: 'k', accountId: CALLER.accountId })
    expect(parseKeyReference(`acs:kms:${CALLER.region}:${OTHER}:alias/x`, CALLER)).toMatchObject({
      kind: 'alias',
      aliasName: 'alias/x',
      accountId: OTHER,
    })
  })

  it('refuses malformed input and another region before anything is loaded', () => {
    expect(() => parseKeyReference('', CALLER)).toThrow(expect.objectContaining({ code: 'validation.invalidParameter' }))
    expect(() => parseKeyReference('acs:kms:nowhere', CALLER, 'DestinationKeyId')).toThrow(
      expect.objectContaining({ code: 'validation.invalidParameter' }),
    )
    expect(() => parseKeyReference(`acs:kms:cn-beijing:${CALLER.accountId}:key/k`, CALLER)).toThrow(
      expect.objectContaining({ code: 'validation.invalidParameter' }),
    )
    expect(() => parseSecretTarget(`acs:kms:cn-beijing:${CALLER.accountId}:secret/s`, CALLER)).toThrow(
      expect.objectContaining({ code: 'validation.invalidParameter' }),
    )
  })
})

describe('TargetResolver', () => {
  it('resolves an alias once and records the key it points at', async () => {
    const { key, resolver, aliasReads } = await setup()
    const resources = await resolver.keyReference('KeyId', 'alias/app')
    expect(resources.map((r) => r.arn)).toEqual([
      `acs:kms:${CALLER.region}:${CALLER.accountId}:alias/app`,
      `acs:kms:${CALLER.region}:${CALLER.accountId}:key/${key.keyId}`,
    ])
    expect(keyTarget(resolver.resolved(CALLER.accountId))).toEqual({
      keyId: key.keyId,
      accountId: CALLER.accountId,
      region: CALLER.region,
      aliasName: 'alias/app',
    })
    expect(aliasReads()).toBe(1)
    expect(resolver.refusal).toBeUndefined()
  })

  it('judges a missing alias as any key of the account and refuses it once allowed', async () => {
    const { resolver } = await setup()
    const resources = await resolver.keyReference('KeyId', 'alias/none')
    expect(resources[1]!.arn).toBe(`acs:kms:${CALLER.region}:${CALLER.accountId}:key/*`)
    expect(resolver.refusal?.code).toBe('alias.notFound')
  })

  it('never looks up another account’s alias, and gives an unknown foreign key no policy', async () => {
    const { resolver, aliasReads } = await setup()
    const [alias] = await resolver.keyReference('KeyId', `acs:kms:${CALLER.region}:${OTHER}:alias/app`)
    expect(alias!.policy).toBeUndefined()
    expect(aliasReads()).toBe(0)
    const [key] = await resolver.keyReference('KeyId', `acs:kms:${CALLER.region}:${OTHER}:key/00000000-0000-4000-8000-000000000000`)
    expect(key!.policy).toBeUndefined()
  })

  it('judges an unknown key of the caller’s account by the default policy (denial before not found)', async () => {
    const { resolver } = await setup()
    const [key] = await resolver.keyReference('KeyId', '00000000-0000-4000-8000-000000000000')
    expect(key!.policy).toBe(DEFAULT)
  })

  it('marks a blob that names no key unresolved', async () => {
    const { resolver } = await setup()
    await resolver.blob(undefined)
    expect(resolver.unresolved).toBe(true)
    expect(resolver.resolved(CALLER.accountId).blob).toBeUndefined()
  })
})
