/**
 * @module functions/index
 *
 * The Worker entry: HTTP through the Hono app, cron through the scheduled handler.
 */
import { app } from './app'
import type { Env } from './env'

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext): Promise<void> {
    // Scheduled jobs (rotation, deletion) arrive with the rotation issue.
  },
} satisfies ExportedHandler<Env>
