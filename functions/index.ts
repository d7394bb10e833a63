/**
 * @module functions/index
 *
 * The Worker entry: HTTP through the Hono app, cron through the scheduled jobs.
 */
import { app } from './app'
import { getDeps } from './deps'
import type { Env } from './env'
import { runScheduled } from './scheduled'

export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runScheduled(getDeps(env), controller.scheduledTime))
  },
} satisfies ExportedHandler<Env>
