/**
 * `npm run audit:verify [-- --seal] [--json]`
 *
 * Verifies the audit trail of the running local stack (found through KMS_PORT and KMS_DATA_DIR
 * like every script): reads the chain head, every sealed record in sequence order and every
 * digest through the stack's local-only routes (functions/alibaba/ram/local-routes.ts), and
 * re-checks hashes, MACs, links and signatures here, with the root key ring of the data dir
 * (core/domain/audit/verify-audit-trail.ts). Prints the first bad position and exits 1 when the
 * trail was tampered with; exits 0 when it verifies.
 *
 * `--seal` first runs the scheduled jobs once (as `npm run cron` does), so that records older
 * than a second are sealed and covered.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { parseRootKeyRing, type RootKeyRing } from '../core/crypto/root-key'
import type { AuditDigest, AuditRecord, ChainHead } from '../core/domain/audit/model'
import { verifyAuditTrail, type AuditTrailSource, type VerifyReport } from '../core/domain/audit/verify-audit-trail'
import { runCronOnce } from './lib/cron'
import { readStackConfig, StackError } from './lib/stack'

export interface LocalTrail {
  source: AuditTrailSource
  /** Unsealed records (not yet tamper-evident), oldest first. */
  pending(limit: number): Promise<AuditRecord[]>
  ring: RootKeyRing
  endpoint: string
  dataDir: string
}

/** The trail of the local stack at KMS_PORT / KMS_DATA_DIR (or the given ones). */
export function localTrail(opts: { port?: number; dataDir?: string } = {}): LocalTrail {
  const config = readStackConfig()
  const port = opts.port ?? config.port
  const dataDir = opts.dataDir ?? config.dataDir
  const endpoint = `http://127.0.0.1:${port}`
  let token: string
  let ring: RootKeyRing
  try {
    token = readFileSync(join(dataDir, 'local-admin-token'), 'utf8').trim()
    ring = parseRootKeyRing(readFileSync(join(dataDir, 'root-keys.json'), 'utf8'))
  } catch {
    throw new StackError(`No local stack in ${dataDir}: start it with \`npm start\` (or set KMS_DATA_DIR).`)
  }
  const get = async <T>(path: string): Promise<T> => {
    let res: Response
    try {
      res = await fetch(new URL(`/__local/audit/${path}`, endpoint), { headers: { authorization: `Bearer ${token}` } })
    } catch {
      throw new StackError(`Cannot reach the local stack at ${endpoint}: is \`npm start\` running?`)
    }
    if (!res.ok) throw new StackError(`The stack refused the audit request (${res.status}): not a local stack, or a stale token.`)
    return (await res.json()) as T
  }
  return {
    ring,
    endpoint,
    dataDir,
    source: {
      head: async () => (await get<{ head: ChainHead | null }>('head')).head ?? undefined,
      chain: async (after, limit) => (await get<{ records: AuditRecord[] }>(`chain?after=${after}&limit=${limit}`)).records,
      digests: async (after, limit) => (await get<{ digests: AuditDigest[] }>(`digests?after=${after}&limit=${limit}`)).digests,
    },
    pending: async (limit) => (await get<{ records: AuditRecord[] }>(`pending?limit=${limit}`)).records,
  }
}

/** Seals what can be sealed, then verifies. */
export async function verifyLocalTrail(trail: LocalTrail, seal: boolean): Promise<VerifyReport & { unsealed: number }> {
  if (seal) await runCronOnce(trail.endpoint, trail.dataDir)
  const report = await verifyAuditTrail(trail.source, trail.ring)
  return { ...report, unsealed: (await trail.pending(10_000)).length }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seal: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } })
  const report = await verifyLocalTrail(localTrail(), values.seal ?? false)
  if (values.json) {
    console.log(JSON.stringify(report))
  } else {
    console.log(
      `audit trail: ${report.records} sealed records, ${report.digests} digests, head at ${report.headSeq}, ${report.unsealed} not sealed yet`,
    )
    if (report.ok) console.log('OK: the chain, every MAC and every digest verify.')
    else {
      const bad = report.firstBad!
      console.log(`TAMPERED: first bad position ${bad.position} (${bad.what}${bad.eventId ? ` ${bad.eventId}` : ''}): ${bad.problem}`)
      for (const p of report.problems.slice(1, 20)) console.log(`  also at ${p.position} (${p.what}): ${p.problem}`)
    }
  }
  process.exitCode = report.ok ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof StackError ? `error: ${err.message}` : err)
    process.exit(2)
  })
}
