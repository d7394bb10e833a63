/**
 * The local admin routes are a plain 404 unless local mode, a loopback host and the per-start
 * token all hold (the instance routes as the cron route), before anything is read or written.
 */
import { describe, expect, it } from 'vitest'
import { localAdmin } from './local-admin'

const TOKEN = 'a'.repeat(48)
const local = { KMS_LOCAL_MODE: 'true', KMS_LOCAL_ADMIN_TOKEN: TOKEN }
const body = JSON.stringify({ accountId: '123', type: 'software', keys: 1, secrets: 1, rps: 1 })

async function status(url: string, env: Record<string, string>, auth?: string, method = 'POST'): Promise<number> {
  const res = await localAdmin.request(
    url,
    { method, ...(method === 'POST' ? { body } : {}), headers: auth ? { authorization: auth } : {} },
    env,
  )
  return res.status
}

describe('local admin instance routes', () => {
  it('answer 404 in a deployment, off loopback, without or with a wrong token', async () => {
    for (const method of ['POST', 'GET']) {
      const path = method === 'GET' ? '/instances?accountId=123' : '/instances'
      expect(await status(`http://127.0.0.1${path}`, { KMS_LOCAL_ADMIN_TOKEN: TOKEN }, `Bearer ${TOKEN}`, method)).toBe(404)
      expect(await status(`http://kms.example.com${path}`, local, `Bearer ${TOKEN}`, method)).toBe(404)
      expect(await status(`http://127.0.0.1${path}`, local, undefined, method)).toBe(404)
      expect(await status(`http://127.0.0.1${path}`, local, `Bearer ${'b'.repeat(48)}`, method)).toBe(404)
    }
  })

  it('refuses a body that is not an instance request with 400 (before any store access)', async () => {
    const res = await localAdmin.request(
      'http://127.0.0.1/instances',
      { method: 'POST', body: '[]', headers: { authorization: `Bearer ${TOKEN}` } },
      local,
    )
    expect(res.status).toBe(400)
    const bad = await localAdmin.request(
      'http://127.0.0.1/instances',
      { method: 'POST', body: JSON.stringify({ accountId: 'x' }), headers: { authorization: `Bearer ${TOKEN}` } },
      local,
    )
    expect(bad.status).toBe(400)
  })
})
