/**
 * The secret actions act only on the CMK authorisation checked: a secret deleted and created
 * again under another customer key between authorisation and the handler (a race no HTTP test
 * can time) is refused, value discarded, nothing written. functions/authorize.ts records the CMK
 * each secret was authorised on in the typed `ctx.targets.secretKeys`; here the handlers are
 * driven with it directly on the memory store.
 */
import { describe, expect, it } from 'vitest'
import { CALLER } from '../../../../test/fakes/memory-store'
import { memorySecretDeps } from '../../../../test/fakes/memory-secrets'
import { createKey } from '../../../../core/domain/keys/create-key'
import { createSecret } from '../../../../core/domain/secrets/create-secret'
import { noTargets, type ResolvedTargets } from '../../../../core/domain/targets'
import { KmsError } from '../../../../core/errors'
import { runAction, type ActionDescriptor } from '../../action'
import type { ActionContext } from '../../context'
import { Params } from '../../params'
import { BatchGetSecretValue } from './batch-get-secret-value'
import { GetSecretValue } from './get-secret-value'
import { PutSecretValue } from './put-secret-value'

const id = (name: string) => `${CALLER.accountId}/${CALLER.region}/${name}`

async function setup() {
  const deps = memorySecretDeps()
  const authorised = (await createKey(deps, CALLER, {})).keyId
  const other = (await createKey(deps, CALLER, {})).keyId
  await createSecret(deps, CALLER, { secretName: 'app', versionId: 'v1', secretData: 'under other', encryptionKeyId: other })
  await createSecret(deps, CALLER, { secretName: 'svc', versionId: 'v1', secretData: 'service key' })
  const run = (descriptor: ActionDescriptor, values: Record<string, string>, secretKeys: Record<string, string> = {}) => {
    const targets: ResolvedTargets = { ...noTargets(CALLER), secretKeys }
    const ctx = { deps, caller: CALLER, params: new Params(new Map(Object.entries(values))), targets, requestId: 'r', env: {} }
    return runAction(descriptor, ctx as unknown as ActionContext)
  }
  return { deps, authorised, other, run }
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (err instanceof KmsError) return err.code
    throw err
  }
  return 'ok'
}

describe('secret actions refuse a CMK other than the one authorised', () => {
  it('GetSecretValue', async () => {
    const { authorised, other, run } = await setup()
    const keys = (keyId: string) => ({ [id('app')]: keyId })
    expect(await code(run(GetSecretValue, { SecretName: 'app' }, keys(authorised)))).toBe('concurrency.conflict')
    // Authorised as missing (no key checked), found under a customer key: refused too.
    expect(await code(run(GetSecretValue, { SecretName: 'app' }, keys('')))).toBe('concurrency.conflict')
    expect(await code(run(GetSecretValue, { SecretName: 'app' }))).toBe('concurrency.conflict')
    expect((await run(GetSecretValue, { SecretName: 'app' }, keys(other))).SecretData).toBe('under other')
    // A managed key needs no key permission, so nothing to compare.
    expect((await run(GetSecretValue, { SecretName: 'svc' })).SecretData).toBe('service key')
  })

  it('a client parameter named like the old hidden one is not an authorisation', async () => {
    const { other, run } = await setup()
    const forged = { SecretName: 'app', 'edge-kms-authz:SecretKeys': JSON.stringify({ [id('app')]: other }) }
    expect(await code(run(GetSecretValue, forged))).toBe('concurrency.conflict')
  })

  it('BatchGetSecretValue reports the refused secret as an error entry', async () => {
    const { authorised, run } = await setup()
    const out = await run(
      BatchGetSecretValue,
      { SecretsList: JSON.stringify([{ SecretName: 'app' }, { SecretName: 'svc' }]) },
      { [id('app')]: authorised, [id('svc')]: '' },
    )
    expect((out.SecretValues as Array<{ SecretName: string }>).map((v) => v.SecretName)).toEqual(['svc'])
    expect(out.Errors).toMatchObject([{ SecretName: 'app', Code: 'Rejected.ConcurrentModification' }])
    expect(JSON.stringify(out.Errors)).not.toContain('under other')
  })

  it('PutSecretValue writes nothing', async () => {
    const { deps, authorised, other, run } = await setup()
    const put = (keyId: string, versionId: string) =>
      run(PutSecretValue, { SecretName: 'app', VersionId: versionId, SecretData: 'new' }, { [id('app')]: keyId })
    expect(await code(put(authorised, 'v2'))).toBe('concurrency.conflict')
    expect((await deps.secrets.getHead(CALLER.accountId, CALLER.region, 'app'))!.versions.map((v) => v.versionId)).toEqual(['v1'])
    expect(await code(put(other, 'v2'))).toBe('ok')
  })
})
