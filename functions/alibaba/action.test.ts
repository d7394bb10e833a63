/**
 * The registries: an action is registered only with a well-formed name, once, and with a
 * permission (deny by default); every registered action of the four APIs declares its checks.
 */
import { describe, expect, it } from 'vitest'
import { action, registry, type ActionDescriptor } from './action'
import { on, USER } from './permission'
import { RAM_ACTIONS } from './ram/registry'
import { KMS_ACTIONS } from './registry'
import { STS_ACTIONS } from './sts/registry'
import { TRAIL_ACTIONS } from './trail/registry'

const noop = (name: string) => action({ name, params: {}, permission: on(USER, true), handler: async () => ({}) })

describe('registry', () => {
  it('lists descriptors by name, in order', () => {
    const map = registry([noop('GetThing'), noop('PutThing')])
    expect([...map.keys()]).toEqual(['GetThing', 'PutThing'])
  })

  it('refuses a duplicate name', () => {
    expect(() => registry([noop('GetThing'), noop('PutThing'), noop('GetThing')])).toThrow('registry: GetThing registered twice')
  })

  it('refuses a bad name', () => {
    for (const name of ['getThing', 'Get-Thing', 'G', '', `G${'a'.repeat(64)}`]) {
      expect(() => registry([noop(name)])).toThrow('registry: bad action name')
    }
    expect(() => registry([{ params: {}, permission: on(USER, true), handler: async () => ({}) } as unknown as ActionDescriptor])).toThrow(
      'registry: bad action name',
    )
  })

  it('refuses a descriptor without a permission', () => {
    const bare = { name: 'GetThing', params: {}, handler: async () => ({}) } as unknown as ActionDescriptor
    expect(() => registry([bare])).toThrow('registry: GetThing has no permission')
    const noChecks = { ...noop('GetThing'), permission: { readOnly: true, crossAccount: false } } as unknown as ActionDescriptor
    expect(() => registry([noChecks])).toThrow('registry: GetThing has no permission')
    const noReadOnly = { ...noop('GetThing'), permission: { checks: [], crossAccount: false } } as unknown as ActionDescriptor
    expect(() => registry([noReadOnly])).toThrow('registry: GetThing has no permission')
  })
})

describe('registered actions', () => {
  const apis = { kms: KMS_ACTIONS, ram: RAM_ACTIONS, sts: STS_ACTIONS, trail: TRAIL_ACTIONS }

  it('each has a permission with a checks array, readOnly and crossAccount', () => {
    for (const [api, actions] of Object.entries(apis)) {
      expect(actions.size, api).toBeGreaterThan(0)
      for (const [name, d] of actions) {
        expect(d.name, `${api} ${name}`).toBe(name)
        expect(Array.isArray(d.permission.checks), `${api} ${name}`).toBe(true)
        expect(typeof d.permission.readOnly, `${api} ${name}`).toBe('boolean')
        expect(typeof d.permission.crossAccount, `${api} ${name}`).toBe('boolean')
        for (const check of d.permission.checks) expect(check.resource?.kind, `${api} ${name}`).toEqual(expect.any(String))
      }
    }
  })

  it('checks something for every action except GetCallerIdentity (no permission needed, as Alibaba documents)', () => {
    const unchecked = Object.values(apis).flatMap((actions) =>
      [...actions].filter(([, d]) => d.permission.checks.length === 0).map(([name]) => name),
    )
    expect(unchecked).toEqual(['GetCallerIdentity'])
  })
})
