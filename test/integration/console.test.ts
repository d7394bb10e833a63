/**
 * The web console (/console) in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): sign-in with an AccessKey, keys, Encrypt/Decrypt, secrets, the audit trail
 * and RAM — every call a browser-signed ACS3 request to the ordinary API — plus the security
 * headers and HTML/script in data rendering as text. Screenshots go to test-artifacts/console/.
 * Without Chromium the file fails when CI=true and is skipped (with a warning) otherwise.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signAcs3 } from '../../core/auth/signature-acs3'
import { ROOT } from '../../scripts/lib/stack'
import { stackInfo } from './clients'

// Globals of the page, used inside page.evaluate callbacks (the project's types are the Worker's,
// which have no DOM).
declare const document: any, location: any, window: any

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const HAVE_CHROMIUM = existsSync(CHROMIUM)
const IN_CI = process.env.CI === 'true'
const ARTIFACTS = join(ROOT, 'test-artifacts/console')
const MISSING = `Chromium is missing at ${CHROMIUM}: install Debian's package (\`apt-get install -y chromium\`, as .ci/run does) or set CHROMIUM_PATH.`

if (!HAVE_CHROMIUM && !IN_CI) console.warn(`console.test.ts skipped: ${MISSING}`)

const XSS_DESCRIPTION = '<img src=x onerror="window.__xss=1;alert(1)"> key <script>window.__xss=2</script>'
const XSS_TAG = '<script>alert("tag")</script><b>bold</b>'
const XSS_VERSION = '<img/src=x/onerror=window.__xss=3>'
const SECRET_VALUE = `s3cr3t-${Date.now()}-value`

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('web console in headless Chromium', () => {
  const stack = stackInfo()
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const dialogs: string[] = []
  const errors: string[] = []
  const requestUrls: string[] = []
  let keyId = ''
  const secretName = `console-secret-${Date.now()}`
  const ramUser = { name: `console-user-${Date.now()}`, accessKeyId: '', accessKeySecret: '' }

  async function shot(name: string) {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
    await page.screenshot({ path: join(ARTIFACTS, `${name}-view.png`) })
  }

  async function ready(hash: string | RegExp) {
    if (typeof hash === 'string') await page.waitForSelector(`body[data-ready="${hash}"]`, { timeout: 20_000 })
    else await page.waitForFunction((src) => new RegExp(src).test(document.body.dataset.ready ?? ''), hash.source, { timeout: 20_000 })
  }

  async function go(hash: string) {
    await page.evaluate(() => delete document.body.dataset.ready)
    await page.evaluate((h) => (location.hash = h), hash)
    await ready(hash)
  }

  async function status(): Promise<string> {
    return (await page.locator('#status').textContent()) ?? ''
  }

  /** Pages the console's key list forward until `id` is listed (fails on the last page). */
  async function pageUntilListed(id: string): Promise<void> {
    const pager = page.locator('main .pager span')
    const next = page.getByRole('button', { name: 'Next page' })
    const current = async () => Number((await pager.textContent())?.match(/^Page (\d+) of/)?.[1] ?? 0)
    while (!(await page.getByRole('table', { name: 'Keys' }).textContent())!.includes(id)) {
      expect(await next.isDisabled(), 'the key is on no page').toBe(false)
      const n = (await current()) + 1
      await next.click()
      await expect.poll(() => pager.textContent()).toMatch(new RegExp(`^Page ${n} of`))
    }
  }

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(MISSING)
    mkdirSync(ARTIFACTS, { recursive: true })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      // A refused API call (4xx) is logged by Chromium itself; the page shows it as an alert.
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
        errors.push(`console: ${m.text()}`)
      }
    })
    page.on('request', (r) => requestUrls.push(r.url()))
  })

  afterAll(async () => {
    await browser?.close()
  })

  it('serves the console with a strict CSP and anti-framing headers, and no cookies', async () => {
    for (const path of ['/console', '/console/', '/console/app.js', '/console/console.css', '/console/nope.js']) {
      const res = await fetch(`${stack.endpoint}${path}`)
      expect(res.status, path).toBe(path === '/console/nope.js' ? 404 : 200)
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      )
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(res.headers.get('set-cookie')).toBeNull()
    }
    const html = await (await fetch(`${stack.endpoint}/console`)).text()
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/) // no inline scripts
    expect(html).not.toMatch(/<style|\sstyle=/) // no inline styles
    expect(html).not.toMatch(/https?:\/\//) // no third-party hosts
    expect((await fetch(`${stack.endpoint}/console/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/)
  })

  it('refuses a wrong secret, then signs in with the AccessKey kept in sessionStorage only', async () => {
    const response = await page.goto(`${stack.endpoint}/console`)
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
    await page.waitForSelector('body[data-ready], form[aria-label="Sign in"]')
    await shot('sign-in')
    await page.getByLabel('AccessKey ID').fill(stack.accessKeyId)
    await page.getByLabel('AccessKey secret').fill(`${stack.accessKeySecret}x`)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(status).toMatch(/Sign-in failed.*SignatureDoesNotMatch/)
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)

    await page.getByLabel('AccessKey secret').fill(stack.accessKeySecret)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await ready('#/keys')
    expect(await page.locator('#who').textContent()).toBe(`Signed in as ${stack.accessKeyId}`)
    const storage = await page.evaluate(() => ({
      session: Object.keys(sessionStorage),
      local: localStorage.length,
      cookie: document.cookie,
    }))
    expect(storage).toEqual({ session: ['edge-kms-console'], local: 0, cookie: '' })
    // The secret never travels in a URL: every API call is a POST to / with a signed body.
    expect(requestUrls.filter((u) => u.includes(stack.accessKeySecret))).toEqual([])
  })

  it('signs in the browser exactly as core/auth verifies (same Authorization for the same request)', async () => {
    const input = {
      host: '127.0.0.1:18080',
      accessKeyId: 'testAccessKeyId',
      accessKeySecret: 'testAccessKeySecret',
      action: 'Encrypt',
      version: '2016-01-20',
      params: { KeyId: 'alias/test', Plaintext: 'aGVsbG8gd29ybGQ=', EncryptionContext: '{"purpose":"test"}', Note: "it's (*) ~ ü" },
      nowMs: Date.parse('2026-11-23T12:23:20Z'),
      nonce: '483401b9a49724299254f53c7cd1dd7b',
    }
    // A string, so that vitest's transform leaves the page's own dynamic import alone.
    const signed = (await page.evaluate(`import('/console/acs3.js').then((m) => m.signRequest(${JSON.stringify(input)}))`)) as {
      headers: Record<string, string>
      body: string
    }
    const body = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(signed.body)))
    const expected = await signAcs3(
      {
        method: 'POST',
        path: '/',
        query: [],
        headers: {
          host: '127.0.0.1:18080',
          'content-type': 'application/x-www-form-urlencoded',
          'x-acs-action': 'Encrypt',
          'x-acs-version': '2016-01-20',
          'x-acs-date': '2026-11-23T12:23:20Z',
          'x-acs-signature-nonce': '483401b9a49724299254f53c7cd1dd7b',
          'x-acs-content-sha256': Buffer.from(body).toString('hex'),
        },
      },
      'testAccessKeyId',
      'testAccessKeySecret',
    )
    expect(signed.headers.authorization).toBe(expected)
    expect(signed.headers['x-acs-content-sha256']).toBe(Buffer.from(body).toString('hex'))
    expect(new URLSearchParams(signed.body).get('Note')).toBe("it's (*) ~ ü")
    expect(signed.headers).not.toHaveProperty('host') // the browser sends the host it signed
  })

  it('creates a key, shows its metadata, and encrypts and decrypts a text', async () => {
    await page.getByRole('form', { name: 'Create a key' }).getByLabel('Description').fill(XSS_DESCRIPTION)
    await page.getByRole('button', { name: 'Create key' }).click()
    await ready(/^#\/keys\/[0-9a-f-]{36}$/)
    keyId = decodeURIComponent((await page.evaluate(() => location.hash)).split('/')[2]!)
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe(`Key ${keyId}`)
    await expect.poll(() => page.locator('dl.meta').first().textContent()).toContain('Enabled')

    await page.getByLabel('Plaintext (UTF-8 text)').fill('hello from the console ✓')
    await page.getByRole('button', { name: 'Encrypt', exact: true }).click()
    const ciphertext = page.locator('output[data-testid="ciphertext"]')
    await expect.poll(() => ciphertext.textContent()).toMatch(/^[A-Za-z0-9+/=]{40,}$/)
    await page.getByLabel('Ciphertext blob').fill('bm90LWEtYmxvYg==')
    await page.getByRole('button', { name: 'Decrypt', exact: true }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Invalid|^Rejected|^Forbidden/)
    await page.getByLabel('Ciphertext blob').fill((await ciphertext.textContent())!)
    await page.getByRole('button', { name: 'Decrypt', exact: true }).click()
    await expect.poll(() => page.locator('output[data-testid="plaintext"]').textContent()).toBe('hello from the console ✓')

    expect(await page.getByRole('table', { name: 'Key versions' }).locator('tbody tr').count()).toBe(1)
    const rotation = page.getByRole('form', { name: 'Rotation policy' })
    await rotation.getByLabel('Automatic rotation').check()
    await rotation.getByLabel('Rotation interval').fill('7d')
    await rotation.getByRole('button', { name: 'Update rotation policy' }).click()
    await expect.poll(status).toBe('Rotation policy updated.')
    await expect.poll(() => page.locator('dl.meta').first().textContent()).toMatch(/AutomaticRotationEnabled.*RotationInterval(604800s|7d)/)

    const meta = () => page.locator('dl.meta').first().textContent()
    await page.getByRole('button', { name: 'Disable key' }).click()
    await expect.poll(meta).toContain('KeyStateDisabled')
    await page.getByRole('button', { name: 'Enable key' }).click()
    await expect.poll(meta).toContain('KeyStateEnabled')
    await page.getByRole('form', { name: 'Schedule deletion' }).getByLabel('Pending window (days)').fill('7')
    await page.getByRole('button', { name: 'Schedule deletion' }).click()
    await expect.poll(meta).toContain('KeyStatePendingDeletion')
    await page.getByRole('button', { name: 'Cancel deletion' }).click()
    await expect.poll(meta).toContain('KeyStateEnabled')

    const alias = `alias/console-${Date.now()}`
    await page.getByLabel('Alias name').fill(alias)
    await page.getByRole('button', { name: 'Create alias' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'Aliases' }).textContent()).toContain(alias)
    expect(await page.getByRole('table', { name: 'Aliases' }).textContent()).toContain(`:${alias}`) // its ARN
    await shot('key')
  })

  it('renders HTML and script in key descriptions and tags as text: no element, no dialog, no error', async () => {
    await page.getByLabel('Tag key').fill('xss')
    await page.getByLabel('Tag value').fill(XSS_TAG)
    await page.getByRole('button', { name: 'Add tag' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'Tags' }).textContent()).toContain(XSS_TAG)
    expect(await page.locator('dl.meta').first().textContent()).toContain(XSS_DESCRIPTION)

    await go('#/keys')
    // Other files share the stack and may have made many keys: page until this one shows.
    await pageUntilListed(keyId)
    expect(await page.getByRole('table', { name: 'Keys' }).textContent()).toContain(XSS_DESCRIPTION)
    await shot('keys')
    expect(await page.locator('main img, main script, main b').count()).toBe(0)
    expect(await page.evaluate(() => window.__xss)).toBeUndefined()
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
  })

  it('filters and pages the key list', async () => {
    const form = page.getByRole('form', { name: 'Filter keys' })
    await form.getByLabel('Key state').selectOption('Disabled')
    await form.getByRole('button', { name: 'Apply filters' }).click()
    await expect.poll(() => page.locator('main').textContent()).not.toContain(keyId)
    await form.getByLabel('Key state').selectOption('Enabled')
    await form.getByLabel('Page size').selectOption('10')
    await form.getByRole('button', { name: 'Apply filters' }).click()
    const pager = page.locator('main .pager span')
    // Wait for the Enabled list itself: the Disabled list's pager also reads "Page 1 of …".
    const states = () => page.getByRole('table', { name: 'Keys' }).locator('tbody tr td:nth-child(3)').allTextContents()
    await expect.poll(async () => (await states()).length > 0 && (await states()).every((t) => t === 'Enabled')).toBe(true)
    await expect.poll(() => pager.textContent()).toMatch(/^Page 1 of \d+ \(\d+ keys\)$/)
    // Other files share the stack: page forward until this file's key shows up.
    await pageUntilListed(keyId)
  })

  it('shows a refused secret name holding HTML as text', async () => {
    await go('#/secrets')
    const form = page.getByRole('form', { name: 'Create a secret' })
    await form.getByLabel('Secret name').fill('<img src=x onerror=window.__xss=4>')
    await form.getByLabel('Value').fill('x')
    await form.getByRole('button', { name: 'Create secret' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Invalid/)
    expect(await page.locator('body img').count()).toBe(0)
    expect(await page.evaluate(() => window.__xss)).toBeUndefined()
    expect(dialogs).toEqual([])
  })

  it('creates a secret, keeps its value masked until an explicit click, and never puts it in a URL', async () => {
    const form = page.getByRole('form', { name: 'Create a secret' })
    await form.getByLabel('Secret name').fill(secretName)
    await form.getByLabel('Value').fill(SECRET_VALUE)
    await form.getByLabel('Version ID').fill(XSS_VERSION)
    await form.getByLabel('Description').fill(XSS_DESCRIPTION)
    await form.getByRole('button', { name: 'Create secret' }).click()
    await ready(`#/secrets/${secretName}`)
    const versions = page.getByRole('table', { name: 'Secret versions' })
    await expect.poll(() => versions.textContent()).toContain(XSS_VERSION)
    expect(await versions.textContent()).toContain('ACSCurrent')
    expect(await page.locator('main').textContent()).not.toContain(SECRET_VALUE)
    await shot('secret')

    await page.getByRole('button', { name: `Reveal ${XSS_VERSION}` }).click()
    await expect.poll(() => page.locator('code.secret-value').first().textContent()).toBe(SECRET_VALUE)
    await page.getByRole('button', { name: `Hide ${XSS_VERSION}` }).click()
    expect(await page.locator('main').textContent()).not.toContain(SECRET_VALUE)

    await page.getByRole('form', { name: 'Put a new value' }).getByLabel('Version ID').fill('v2')
    await page.getByRole('form', { name: 'Put a new value' }).getByLabel('Value').fill(`${SECRET_VALUE}-2`)
    await page.getByRole('button', { name: 'Put secret value' }).click()
    await expect.poll(() => versions.locator('tbody tr').count()).toBe(2)

    await page.getByRole('button', { name: 'Schedule secret deletion' }).click()
    await expect.poll(() => page.locator('main').textContent()).toContain('Deletion planned for')
    await page.getByRole('button', { name: 'Restore secret' }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Schedule secret deletion' }).count()).toBe(1)

    await go('#/secrets')
    await expect.poll(() => page.getByRole('table', { name: 'Secrets' }).textContent()).toContain(secretName)
    await shot('secrets')
    expect(requestUrls.filter((u) => u.includes(SECRET_VALUE) || u.includes(encodeURIComponent(SECRET_VALUE)))).toEqual([])
    // API calls carry no query string at all: every parameter is in the signed body.
    expect(requestUrls.filter((u) => u.startsWith(`${stack.endpoint}/?`))).toEqual([])
    expect(await page.locator('main img').count()).toBe(0)
    expect(await page.evaluate(() => window.__xss)).toBeUndefined()
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
  })

  it('shows the audit events of these actions, a chart by outcome, and no secret value', async () => {
    await go('#/audit')
    const events = page.getByRole('table', { name: /^Audit events/ })
    await expect.poll(() => events.locator('tbody tr').count()).toBeGreaterThan(0)
    expect(await page.locator('svg.chart title').first().textContent()).toBe('Calls over time by outcome')
    expect(await page.locator('main').textContent()).toContain('npm run audit:verify')

    const form = page.getByRole('form', { name: 'Filter audit events' })
    const lookUp = async (action: string) => {
      await form.getByLabel('Event name').fill(action)
      await form.getByRole('button', { name: 'Look up events' }).click()
      await expect
        .poll(
          async () => {
            const names = await events.locator('tbody tr td:nth-child(3)').allTextContents()
            return names.length > 0 && names.every((n) => n === action)
          },
          // LookupEvents scans up to 2,000 events of the shared stack's trail (other test files
          // write meanwhile): more than the poll's default second on a loaded 2-core machine.
          { message: action, timeout: 15_000 },
        )
        .toBe(true)
    }
    for (const action of [
      'CreateKey',
      'Encrypt',
      'CreateSecret',
      'GetSecretValue',
      'PutSecretValue',
      'TagResource',
      'UpdateRotationPolicy',
    ]) {
      await lookUp(action)
      // Request parameters in the trail are redacted: the secret value is nowhere, details open.
      for (const summary of await page.locator('main details summary').all()) await summary.click()
      expect(await page.locator('main').innerText(), action).not.toContain(SECRET_VALUE)
    }
    // The Decrypt of a bogus blob failed and the real one succeeded: both outcomes, both colours.
    await lookUp('Decrypt')
    const outcomes = await events.locator('tbody tr td:nth-child(6)').allTextContents()
    expect(outcomes).toEqual(expect.arrayContaining(['Success', 'Failure']))
    expect(await page.locator('svg.chart rect.ok').count()).toBeGreaterThan(0)
    expect(await page.locator('svg.chart rect.fail').count()).toBeGreaterThan(0)
    expect(await page.locator('svg.chart desc').textContent()).toMatch(/calls loaded: \d+ succeeded, [1-9]\d* failed/)

    await form.getByLabel('Event name').fill('')
    await form.getByRole('button', { name: 'Look up events' }).click()
    await expect.poll(async () => new Set(await events.locator('tbody tr td:nth-child(3)').allTextContents()).size).toBeGreaterThan(1)
    await shot('audit')
    expect(errors).toEqual([])
  })

  it('manages RAM users, their AccessKeys and policies', async () => {
    const userName = ramUser.name
    const policyName = `ConsolePolicy${Date.now()}`
    await go('#/ram')
    await page.getByRole('form', { name: 'Create a custom policy' }).getByLabel('Policy name').fill(policyName)
    await page.getByRole('button', { name: 'Create policy' }).click()
    await expect.poll(status).toContain(`Created policy ${policyName}`)
    const create = page.getByRole('form', { name: 'Create a user' })
    await create.getByLabel('User name').fill(userName)
    await create.getByLabel('Display name').fill('<b>Console</b> user')
    await create.getByRole('button', { name: 'Create user' }).click()
    await ready(`#/ram/users/${userName}`)

    await page.getByRole('button', { name: 'Create AccessKey' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'AccessKeys' }).locator('tbody tr').count()).toBe(1)
    const secretCell = page.getByRole('region', { name: 'New AccessKey' }).locator('code.secret-value')
    expect(await secretCell.textContent()).toBe('••••••••')
    await page.getByRole('button', { name: 'Reveal secret' }).click()
    expect(await secretCell.textContent()).toMatch(/^[A-Za-z0-9]{20,}$/)
    ramUser.accessKeySecret = (await secretCell.textContent())!
    ramUser.accessKeyId = (await page.getByRole('region', { name: 'New AccessKey' }).locator('dl.meta dd').textContent())!

    const attach = page.getByRole('form', { name: 'Attach a policy' })
    await attach.getByLabel('Policy name').fill(policyName)
    await attach.getByRole('button', { name: 'Attach policy' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'Attached policies' }).textContent()).toContain(policyName)
    expect(await page.locator('main b').count()).toBe(0)
    await shot('ram-user')

    await go('#/ram')
    await expect.poll(() => page.getByRole('table', { name: 'Users' }).textContent()).toContain(userName)
    const lookup = page.getByRole('form', { name: 'Look up a policy' })
    await lookup.getByLabel('Policy name').fill(policyName)
    await lookup.getByRole('button', { name: 'Get policy' }).click()
    await expect.poll(() => page.locator('main pre').first().textContent()).toContain('kms:Encrypt')
    await shot('ram')
    expect(dialogs).toEqual([])
    expect(errors).toEqual([])
  })

  it('is keyboard navigable: skip link, the section links and sign-out in tab order', async () => {
    await page.evaluate(() => document.querySelector('a.skip').focus())
    const focused = [await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '')]
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab')
      focused.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''))
    }
    expect(focused).toEqual(['Skip to content', 'Keys', 'Secrets', 'Audit trail', 'RAM', 'Sign out'])
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    await ready('#/audit')
    // The new page's heading takes focus, so screen readers announce it.
    expect(await page.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.textContent)).toBe('H2 Audit trail')
  })

  it('signs out and forgets the AccessKey', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForSelector('form[aria-label="Sign in"]')
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
  })

  it('a RAM user signs in with its own AccessKey and is held to its policies', async () => {
    expect(ramUser.accessKeyId).toMatch(/^LTAI/)
    await page.getByLabel('AccessKey ID').fill(ramUser.accessKeyId)
    await page.getByLabel('AccessKey secret').fill(ramUser.accessKeySecret)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await ready('#/keys')
    expect(await page.locator('#who').textContent()).toBe(`Signed in as ${ramUser.accessKeyId}`)
    // Its policy allows kms:Encrypt and kms:Decrypt only: listing keys is refused like any call.
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Forbidden/)
    await go('#/ram')
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Forbidden/)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForSelector('form[aria-label="Sign in"]')
  })
})
