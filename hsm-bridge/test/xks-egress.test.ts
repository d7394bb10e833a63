/**
 * The bridge's egress rule for XKS proxy URLs (src/xks/egress.ts): a key store's URL is tenant
 * input, so loopback and private addresses are reachable only when the operator lists them.
 */
import { describe, expect, it } from 'vitest'
import { egressAllowed, isPrivateAddress, privateTargets } from '../src/xks/egress.js'
import { xksCall } from '../src/xks/routes.js'

const resolver = (answers: Record<string, string[]>) => async (host: string) => {
  const a = answers[host]
  if (!a) throw new Error('ENOTFOUND')
  return a
}

describe('XKS egress', () => {
  it('classes loopback, private, link-local, CGNAT, unique-local and mapped addresses as private', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.5',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true)
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(a), a).toBe(false)
    }
  })

  it('allows public hosts, refuses names resolving to any private address unless listed', async () => {
    const r = resolver({
      'xks.example.com': ['93.184.216.34'],
      'internal.example.com': ['93.184.216.34', '10.0.0.7'],
      'meta.example.com': ['169.254.169.254'],
    })
    const none = privateTargets({ HSM_BRIDGE_XKS_PRIVATE_TARGETS: 'none' })
    expect(await egressAllowed('xks.example.com', none, r)).toBe('allowed')
    expect(await egressAllowed('internal.example.com', none, r)).toBe('private')
    expect(await egressAllowed('meta.example.com', none, r)).toBe('private')
    expect(await egressAllowed('10.0.0.7', none, r)).toBe('private')
    expect(await egressAllowed('[::1]', none, r)).toBe('private')
    expect(await egressAllowed('nowhere.example.com', none, r)).toBe('unresolvable')
    const listed = privateTargets({ HSM_BRIDGE_XKS_PRIVATE_TARGETS: 'internal.example.com, 169.254.169.254' })
    expect(await egressAllowed('internal.example.com', listed, r)).toBe('allowed')
    expect(await egressAllowed('meta.example.com', listed, r)).toBe('allowed')
    expect(await egressAllowed('10.0.0.7', listed, r)).toBe('private')
  })

  it('allows only the loopback names and addresses by default', async () => {
    const defaults = privateTargets({})
    expect([...defaults].sort()).toEqual(['127.0.0.1', '::1', 'localhost'])
    expect(await egressAllowed('127.0.0.1', defaults)).toBe('allowed')
    expect(await egressAllowed('[::1]', defaults)).toBe('allowed')
    expect(await egressAllowed('10.0.0.7', defaults)).toBe('private')
  })

  it('refuses an XKS call to a private address before any request is sent', async () => {
    let sent = 0
    const fetchFn = (async () => {
      sent++
      return new Response('{}')
    }) as unknown as typeof fetch
    const body = {
      proxyUrl: 'https://10.0.0.5',
      uriPrefix: '/p',
      accessKeyId: 'AKIA4GBY3I6JCE5M2HPM',
      region: 'cn-hangzhou',
      scopeDate: '20261203',
      signingKey: Buffer.alloc(32).toString('base64'),
      operation: 'health',
      payload: { requestMetadata: { kmsOperation: 'CreateCustomKeyStore', kmsRequestId: 'r' } },
    }
    await expect(xksCall(body, fetchFn)).rejects.toMatchObject({ code: 'ValidationError' })
    expect(sent).toBe(0)
  })
})
