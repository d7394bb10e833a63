/**
 * A minimal keep-alive HTTP/1.1 client connection for the load generator: one request in flight
 * per connection (no pipelining), pre-built request bytes, just enough response parsing to find
 * the status and the end of the body (Content-Length or chunked). Much cheaper per request than
 * node:http, which matters when the load generator shares 2 cores with the server.
 */
import { connect, type Socket } from 'node:net'

export type Done = (status: number, body: Buffer | undefined, error?: string) => void

const HEADER_END = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')

export class HttpConn {
  private socket: Socket | undefined
  private buf: Buffer | undefined
  private pending: Done | undefined
  /** performance.now() when the in-flight request was written (for the timeout sweep). */
  sentAt = 0
  closedByServer = 0

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  get busy(): boolean {
    return this.pending !== undefined
  }

  connect(): Promise<void> {
    return new Promise((ok, fail) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true })
      const onError = (err: Error) => {
        socket.removeListener('connect', onConnect)
        fail(err)
      }
      const onConnect = () => {
        socket.removeListener('error', onError)
        socket.on('data', (chunk: Buffer) => this.onData(chunk))
        // Events of a socket that was already replaced or aborted are ignored.
        socket.on('error', () => {
          if (this.socket !== socket) return
          this.socket = undefined
          this.fail('socket-error')
        })
        socket.on('close', () => {
          if (this.socket !== socket) return
          this.socket = undefined
          this.fail('socket-closed')
        })
        this.socket = socket
        ok()
      }
      socket.once('error', onError)
      socket.once('connect', onConnect)
    })
  }

  /**
   * Writes `request`; `done` gets the status and a view of the body (valid only during the
   * callback: copy it to keep it).
   */
  send(request: Buffer, done: Done): boolean {
    if (!this.socket || this.pending) return false
    this.pending = done
    this.buf = undefined
    this.sentAt = performance.now()
    this.socket.write(request)
    return true
  }

  /** Fails the in-flight request and drops the socket (timeouts, shutdown). */
  abort(reason: string): void {
    const socket = this.socket
    this.socket = undefined
    this.fail(reason)
    socket?.destroy()
  }

  close(): void {
    const socket = this.socket
    this.socket = undefined
    socket?.destroy()
  }

  get connected(): boolean {
    return this.socket !== undefined
  }

  private fail(reason: string): void {
    const done = this.pending
    this.pending = undefined
    this.buf = undefined
    if (done) done(0, undefined, reason)
  }

  private onData(chunk: Buffer): void {
    const buf: Buffer = this.buf ? Buffer.concat([this.buf, chunk]) : chunk
    this.buf = buf
    if (!this.pending) {
      // Bytes with no request in flight: a protocol error on the server's side.
      this.abort('unsolicited-bytes')
      return
    }
    const headEnd = buf.indexOf(HEADER_END)
    if (headEnd < 0) return
    const status = (buf[9]! - 48) * 100 + (buf[10]! - 48) * 10 + (buf[11]! - 48)
    const head = buf.toString('latin1', 0, headEnd).toLowerCase()
    const bodyStart = headEnd + 4
    let end: number
    const cl = head.indexOf('\r\ncontent-length:')
    if (cl >= 0) {
      const lineEnd = head.indexOf('\r\n', cl + 2)
      const length = Number.parseInt(head.slice(cl + 17, lineEnd < 0 ? undefined : lineEnd).trim(), 10)
      end = bodyStart + length
      if (buf.length < end) return
    } else if (head.includes('\r\ntransfer-encoding: chunked')) {
      let pos = bodyStart
      for (;;) {
        const lineEnd = buf.indexOf(CRLF, pos)
        if (lineEnd < 0) return
        const size = Number.parseInt(buf.toString('latin1', pos, lineEnd).split(';')[0]!, 16)
        if (!Number.isFinite(size)) {
          this.abort('bad-chunk')
          return
        }
        if (size === 0) {
          const trailerEnd = buf.indexOf(CRLF, lineEnd + 2) // no trailers expected: "0\r\n\r\n"
          if (trailerEnd < 0) return
          end = trailerEnd + 2
          break
        }
        pos = lineEnd + 2 + size + 2
        if (buf.length < pos) return
      }
    } else if (status === 204 || status === 304) {
      end = bodyStart
    } else {
      this.abort('no-length')
      return
    }
    const body = buf.subarray(bodyStart, end)
    const closing = head.includes('\r\nconnection: close')
    this.buf = undefined
    const done = this.pending
    this.pending = undefined
    if (closing) {
      this.closedByServer++
      const socket = this.socket
      this.socket = undefined
      socket?.destroy()
    }
    done(status, body)
  }
}
