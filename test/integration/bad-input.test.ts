/**
 * Bad input that needs the real stack: the body limit on the wire (a chunked body written by
 * node:http, an understated Content-Length on a raw socket) and a query string workerd refuses
 * before the Worker. Everything else about bad input runs on the app with fake deps
 * (test/app/bad-input.test.ts).
 */
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { expectError, keyCount, send, sendHttp, signedV1 } from './raw'

describe('request size limits', () => {
  const pad = 'x'.repeat(200 * 1024)

  it('answers 413 to a 200 KiB chunked body without Content-Length', async () => {
    const before = await keyCount()
    const req = await signedV1('CreateKey', { Description: 'big' })
    const bytes = new TextEncoder().encode(`${String(req.body)}&Pad=${pad}`)
    let offset = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close()
        controller.enqueue(bytes.slice(offset, offset + 8192))
        offset += 8192
      },
    })
    // fetch with a stream body (duplex: 'half') …
    expectError(await send({ ...req, body: stream }), 413, 'RequestEntityTooLarge')
    // … and node:http writing explicit chunks
    const res = await sendHttp({
      method: 'POST',
      url: req.url,
      headers: { ...req.headers, 'transfer-encoding': 'chunked' },
      body: [String(req.body), `&Pad=${pad.slice(0, 100 * 1024)}`, pad.slice(100 * 1024)],
    })
    expectError(res, 413, 'RequestEntityTooLarge')
    expect(await keyCount()).toBe(before)
  })

  it('never lets an understated Content-Length smuggle parameters', async () => {
    const before = await keyCount()
    const req = await signedV1('CreateKey', { Description: 'short' })
    const body = String(req.body)
    // Raw bytes on a socket: Node's http client refuses to write past a declared length.
    const url = new URL(req.url)
    const head = [
      `POST ${url.pathname}${url.search} HTTP/1.1`,
      `host: ${url.host}`,
      ...Object.entries(req.headers as Record<string, string>)
        .filter(([k]) => !['host', 'content-length'].includes(k.toLowerCase()))
        .map(([k, v]) => `${k}: ${v}`),
      `content-length: ${body.length - 20}`,
      'connection: close',
      '',
      '',
    ].join('\r\n')
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.end(head + body))
      let out = ''
      socket.on('data', (d) => (out += d))
      socket.on('end', () => resolve(out))
      socket.on('error', reject)
      socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')))
    })
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1])
    expect(status).toBeGreaterThanOrEqual(400)
    expect(status).toBeLessThan(500)
    expect(await keyCount()).toBe(before)
  })

  it('answers a 4xx to a 200 KiB query string', async () => {
    const req = await signedV1('DescribeRegions', { Pad: pad }, { method: 'GET' })
    const res = await send(req)
    // workerd itself refuses it (431, plain text) before the Worker sees it
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(res.text).not.toContain(pad.slice(0, 1000))
  })
})
