/**
 * The rotation function URL is tenant input fetched by the Worker: it must not name an address
 * of the operator's own networks (cloud metadata, RFC 1918, link-local, unspecified), in any
 * spelling the URL parser normalises to one; loopback only in local mode.
 */
import { describe, expect, it, vi } from 'vitest'
import { KmsError } from '../../../errors'
import { functionStrategy } from './function'
import type { RotationContext } from './strategy'

const config = (url: string) => ({ RotationFunctionUrl: url, RotationFunctionSigningSecretName: 'signing' })

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return err instanceof KmsError ? err.code : 'other'
  }
  return 'ok'
}

describe('RotationFunctionUrl', () => {
  it('refuses internal addresses at CreateSecret (400, never fetched)', () => {
    for (const url of [
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.5/rotate',
      'https://10.1/rotate',
      'https://172.16.3.4/',
      'https://192.168.1.1/',
      'https://100.64.0.1/',
      'https://0/',
      'https://[::]/',
      'https://[fd12::1]/',
      'https://[FE80::1]/',
      'https://[::ffff:169.254.169.254]/',
      'https://[::ffff:10.0.0.1]/',
    ]) {
      expect([url, code(() => functionStrategy.validate(config(url), ''))]).toEqual([url, 'validation.invalidParameter'])
    }
  })

  it('accepts public https URLs and local-mode loopback', () => {
    for (const url of [
      'https://rotation.example.com/',
      'https://8.8.8.8/',
      'https://172.32.0.1/',
      'https://[2001:db8::1]/',
      'http://127.0.0.1:9/rotate',
      'https://127.0.0.1/',
    ]) {
      expect([url, code(() => functionStrategy.validate(config(url), ''))]).toEqual([url, 'ok'])
    }
  })

  it('does not fetch an https loopback URL outside local mode', async () => {
    for (const url of ['https://127.0.0.1/', 'https://0x7f000001/', 'https://localhost/', 'https://[::1]/']) {
      const fetch = vi.fn(async () => new Response('{"SecretData":"x"}'))
      const ctx = {
        config: config(url),
        deps: { fetch, allowLoopbackHttp: false, clock: { now: () => 0 } },
        secretName: 's',
        versionId: 'v',
        current: 'c',
        readSecret: async () => 'key',
      } as unknown as RotationContext
      await expect(functionStrategy.createPending(ctx)).rejects.toMatchObject({ code: 'secret.invalidState' })
      expect(fetch).not.toHaveBeenCalled()
    }
  })
})
