/**
 * Runs dynalite (DynamoDB API on LevelDB) as a child of the local stack. It exits when its
 * parent goes away (stdin closes), so a killed supervisor never leaves it running.
 *
 * Usage: tsx scripts/lib/dynalite-server.ts <port> <path>
 */
import dynalite from 'dynalite'

const [port, path] = process.argv.slice(2)
if (!port || !path) {
  console.error('usage: dynalite-server <port> <path>')
  process.exit(2)
}

// dynalite rethrows a request stream's error (`req.on('error', (err) => { throw err })`): a client
// that dies mid-request (workerd killed with -9) would take the table down with it. Such a request
// never reached the store (its body was incomplete), so dropping it is all there is to do.
process.on('uncaughtException', (err: NodeJS.ErrnoException) => {
  if (err.code === 'ECONNRESET' || err.code === 'ECONNABORTED' || err.message === 'aborted') return
  console.error(err)
  process.exit(1)
})

const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`dynalite listening on 127.0.0.1:${port}`)
})

function shutdown(): void {
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
process.stdin.on('end', shutdown)
process.stdin.on('close', shutdown)
process.stdin.resume()
