import { describe, expect, it } from 'vitest'
import { clientIp } from './client-ip'

const h = (o: Record<string, string>) => new Headers(o)
const forged = { 'cf-connecting-ip': '10.0.0.5', 'x-forwarded-for': '10.0.0.5', 'x-real-ip': '10.0.0.5' }

describe('clientIp', () => {
  it('never takes a client-set header under the local stack: the peer is the loopback address', () => {
    expect(clientIp(h(forged), { KMS_LOCAL_MODE: 'true' })).toBe('127.0.0.1')
    expect(clientIp(h({}), { KMS_LOCAL_MODE: 'true' })).toBe('127.0.0.1')
  })

  it('takes cf-connecting-ip (set by Cloudflare’s edge) when deployed, and only that', () => {
    expect(clientIp(h({ 'cf-connecting-ip': '203.0.113.7', 'x-real-ip': '10.0.0.5' }), {})).toBe('203.0.113.7')
    expect(clientIp(h({ 'x-real-ip': '10.0.0.5', 'x-forwarded-for': '10.0.0.5' }), {})).toBeUndefined()
  })

  it('takes a configured trusted proxy header, its rightmost entry (what the proxy saw)', () => {
    const env = { KMS_TRUSTED_CLIENT_IP_HEADER: 'X-Forwarded-For', KMS_LOCAL_MODE: 'true' }
    expect(clientIp(h({ 'x-forwarded-for': '10.0.0.5, 198.51.100.9', 'cf-connecting-ip': '10.0.0.6' }), env)).toBe('198.51.100.9')
    expect(clientIp(h({ 'x-forwarded-for': '2001:db8::1' }), env)).toBe('2001:db8::1')
    expect(clientIp(h({}), env)).toBeUndefined()
  })

  it('gives no address for `none` or for anything that is not an address', () => {
    expect(clientIp(h(forged), { KMS_TRUSTED_CLIENT_IP_HEADER: 'none' })).toBeUndefined()
    for (const bad of ['evil', '10.0.0.256', `${'1'.repeat(70)}`, '<script>', '']) {
      expect(clientIp(h({ 'cf-connecting-ip': bad }), {})).toBeUndefined()
    }
  })
})
