/**
 * `npm run cron [-- --at <ISO-8601 time>] [--budget N] [--until-done]`
 *
 * Runs every scheduled job once against the running local stack (found through KMS_PORT and
 * KMS_DATA_DIR like every script), optionally as if the clock read `--at`. Local stack only:
 * the route it calls does not exist in a deployed build.
 */
import { parseArgs } from 'node:util'
import { runCronOnce } from './lib/cron'
import { readStackConfig, StackError } from './lib/stack'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      at: { type: 'string' },
      budget: { type: 'string' },
      'until-done': { type: 'boolean', default: false },
    },
  })
  if (values.at !== undefined && Number.isNaN(Date.parse(values.at))) {
    throw new StackError(`--at must be an ISO-8601 time, e.g. 2027-01-01T00:00:00Z (got "${values.at}")`)
  }
  const config = readStackConfig()
  const endpoint = `http://127.0.0.1:${config.port}`
  const budget = values.budget === undefined ? undefined : Number(values.budget)
  for (let run = 1; ; run++) {
    const result = await runCronOnce(endpoint, config.dataDir, { at: values.at, budget })
    for (const r of result.reports) {
      console.log(`${result.at}  ${r.job}: processed ${r.processed}, skipped ${r.skipped}, failed ${r.failed}${r.more ? ', more due' : ''}`)
    }
    if (!values['until-done'] || !result.reports.some((r) => r.more)) break
  }
}

main().catch((err) => {
  console.error(err instanceof StackError ? `error: ${err.message}` : err)
  process.exit(1)
})
