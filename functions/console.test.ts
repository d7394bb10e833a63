import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { CONSOLE_SECURITY_HEADERS, consoleRoutes } from './console'
import { CONSOLE_ASSETS } from './console-assets.generated'

const app = consoleRoutes
const ROOT = fileURLToPath(new URL('..', import.meta.url).href)

describe('console routes', () => {
  it('the bundled assets are those of console/ (scripts/build-console.ts --check)', () => {
    expect(() =>
      execFileSync(`${ROOT}/node_modules/.bin/tsx`, ['scripts/build-console.ts', '--check'], { cwd: ROOT, stdio: 'pipe' }),
    ).not.toThrow()
    expect(Object.keys(CONSOLE_ASSETS)).toContain('index.html')
  })

  it('serves every asset with its type and the security headers, and 404s the rest with them too', async () => {
    for (const [name, asset] of Object.entries(CONSOLE_ASSETS)) {
      const res = await app.request(`/${name}`)
      expect(res.status, name).toBe(200)
      expect(res.headers.get('content-type')).toBe(asset.type)
      for (const [header, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) expect(res.headers.get(header)).toBe(value)
      expect(await res.text()).toBe(asset.body)
    }
    for (const path of ['/../app.ts', '/nope.js', '/index.htm', '/APP.JS']) {
      const res = await app.request(path)
      expect(res.status, path).toBe(404)
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_SECURITY_HEADERS['content-security-policy'])
    }
  })

  it('answers 304 to a matching If-None-Match', async () => {
    const etag = CONSOLE_ASSETS['app.js']!.etag
    const res = await app.request('/app.js', { headers: { 'if-none-match': etag } })
    expect(res.status).toBe(304)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
  })

  it('the sources hold no inline handlers, no innerHTML and no third-party URL', () => {
    for (const [name, asset] of Object.entries(CONSOLE_ASSETS)) {
      expect(asset.body, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/)
      expect(asset.body, name).not.toMatch(/\son[a-z]+=["']/)
      expect(asset.body.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, ''), name).not.toMatch(/https?:\/\//)
    }
  })
})
