/**
 * @module functions/console
 *
 * The web console's static files under `/console` (sources in `console/`, bundled into the
 * Worker by scripts/build-console.ts). Only static assets are served here: the console signs
 * every API call in the browser (ACS3-HMAC-SHA256 with the AccessKey the user typed, kept in
 * sessionStorage) and sends it to the ordinary RPC endpoint, so authentication, policies and
 * the audit trail apply unchanged. No cookies are read or set, so there is nothing to forge
 * across sites; the headers below forbid framing, inline code and every third-party origin.
 */
import { Hono, type Context } from 'hono'
import { CONSOLE_ASSETS, type ConsoleAsset } from './console-assets.generated'

export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'cache-control': 'no-cache',
}

function serve(c: Context, asset: ConsoleAsset | undefined): Response {
  if (!asset) {
    return c.text('Not found.', 404, { ...CONSOLE_SECURITY_HEADERS })
  }
  const headers = { ...CONSOLE_SECURITY_HEADERS, 'content-type': asset.type, etag: asset.etag }
  if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers)
  return c.body(asset.body, 200, headers)
}

export const consoleRoutes = new Hono()

consoleRoutes.get('/', (c) => serve(c, CONSOLE_ASSETS['index.html']))
consoleRoutes.get('/:file{[a-z0-9-]+\\.(?:html|css|js|svg)}', (c) => {
  const file = c.req.param('file')
  return serve(c, Object.hasOwn(CONSOLE_ASSETS, file) ? CONSOLE_ASSETS[file] : undefined)
})
consoleRoutes.all('*', (c) => serve(c, c.req.path === '/console/' ? CONSOLE_ASSETS['index.html'] : undefined))
