/**
 * @module hsm-bridge/read-body
 *
 * Request body reading shared by the bridge's listeners (server.ts and xks/server.ts).
 */

import type { IncomingMessage } from 'node:http'

/**
 * Reads the body, giving up (without buffering more) as soon as it exceeds `max` bytes. That
 * covers chunked bodies and bodies longer than a declared Content-Length (node:http itself
 * rejects the latter as a parse error).
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'tooLarge'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > max) {
        done = true
        chunks.length = 0
        req.pause()
        resolve('tooLarge')
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (done) return
      done = true
      resolve(Buffer.concat(chunks, size))
    })
    req.on('error', (err) => {
      if (done) return
      done = true
      reject(err)
    })
  })
}
