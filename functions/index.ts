/**
 * @module functions/index
 *
 * The Worker entry: HTTP through the Hono app (built on the Worker's deps), cron through the
 * scheduled jobs.
 */
import { createApp } from './app'
import { getDeps } from './deps'
import type { Env } from './env'
import { runScheduled } from './scheduled'

const app = createApp({ deps: getDeps })

export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runScheduled(getDeps(env), controller.scheduledTime))
  },
} satisfies ExportedHandler<Env>
