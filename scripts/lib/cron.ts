/**
 * Talks to a running local stack's scheduled jobs (see functions/local-admin.ts).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { StackError } from './stack'

export interface JobReport {
  job: string
  processed: number
  skipped: number
  failed: number
  more: boolean
}

/** Runs every scheduled job once on the stack at `endpoint`, as if the clock read `at`. */
export async function runCronOnce(
  endpoint: string,
  dataDir: string,
  opts: { at?: string | Date; budget?: number } = {},
): Promise<{ at: string; reports: JobReport[] }> {
  let token: string
  try {
    token = readFileSync(join(dataDir, 'local-admin-token'), 'utf8').trim()
  } catch {
    throw new StackError(`No local stack token in ${dataDir}: is the stack running (\`npm start\`)?`)
  }
  const url = new URL('/__local/scheduled', endpoint)
  if (opts.at !== undefined) url.searchParams.set('at', new Date(opts.at).toISOString())
  if (opts.budget !== undefined) url.searchParams.set('budget', String(opts.budget))
  let res: Response
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  } catch {
    throw new StackError(`Cannot reach the local stack at ${endpoint}: is \`npm start\` running?`)
  }
  if (res.status === 404) throw new StackError('The stack did not accept the local cron request (token mismatch or not a local stack).')
  if (!res.ok) throw new StackError(`Cron request failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as { at: string; reports: JobReport[] }
}

/** Minutes between runs for the cron expressions this project uses (`* * * * *`, `*\/N * * * *`). */
export function cronIntervalMinutes(expression: string): number {
  const fields = expression.trim().split(/\s+/)
  if (fields.length !== 5 || fields.slice(1).some((f) => f !== '*')) {
    throw new StackError(`Unsupported cron expression for the local scheduler: "${expression}"`)
  }
  if (fields[0] === '*') return 1
  const m = /^\*\/(\d+)$/.exec(fields[0]!)
  if (!m) throw new StackError(`Unsupported cron expression for the local scheduler: "${expression}"`)
  return Number(m[1])
}
