/**
 * @module core/domain/jobs/job
 *
 * The shape every scheduled job plugs into (rotation, key deletion, secret recovery windows,
 * import-material expiry, …) and the runner the Worker's `scheduled` handler calls.
 *
 * Contract for a job:
 * - it finds due work through an index on the due time (never a full scan);
 * - it processes at most `budget` items per run and reports whether work remains, so a large
 *   backlog is sliced across runs and never exceeds the platform's CPU limits;
 * - each item is isolated: a failing item is logged and counted, the others go on, and the item
 *   is retried on the next run (it is still due);
 * - each item's change is one conditional write, so overlapping or retried runs are safe: the
 *   loser of a race sees a condition failure and skips the item.
 */

export interface JobReport {
  job: string
  /** Items whose change this run wrote. */
  processed: number
  /** Items skipped because another run (or a client) changed them first. */
  skipped: number
  /** Items that failed; they stay due and are retried next run. */
  failed: number
  /** True when the budget ran out before the due work did. */
  more: boolean
}

export interface ScheduledJob<D> {
  name: string
  run(deps: D, nowMs: number, budget: number): Promise<JobReport>
}

export const DEFAULT_JOB_BUDGET = 500

/**
 * Runs every job once at `nowMs`. One failing job never stops the others; the reports say what
 * happened (logged by the caller, without values).
 */
export async function runJobs<D>(
  jobs: ReadonlyArray<ScheduledJob<D>>,
  deps: D,
  nowMs: number,
  budget = DEFAULT_JOB_BUDGET,
): Promise<JobReport[]> {
  const reports: JobReport[] = []
  for (const job of jobs) {
    try {
      reports.push(await job.run(deps, nowMs, budget))
    } catch (err) {
      reports.push({ job: job.name, processed: 0, skipped: 0, failed: 1, more: true })
      console.error(JSON.stringify({ level: 'error', job: job.name, error: (err as Error)?.name ?? 'unknown' }))
    }
  }
  return reports
}

/**
 * Items a job works on at once. Items are independent (each is its own item with its own
 * conditional write), so they may overlap; 6 matches the Workers limit on simultaneous outgoing
 * connections per invocation (more would only queue).
 */
export const JOB_CONCURRENCY = 6

/**
 * Runs `work` on each item with isolation, counting outcomes into a report; at most
 * `concurrency` items at a time.
 */
export async function forEachIsolated<T>(
  job: string,
  items: T[],
  work: (item: T) => Promise<'processed' | 'skipped'>,
  more: boolean,
  concurrency = JOB_CONCURRENCY,
): Promise<JobReport> {
  const report: JobReport = { job, processed: 0, skipped: 0, failed: 0, more }
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      try {
        report[await work(item)]++
      } catch (err) {
        report.failed++
        console.error(
          JSON.stringify({ level: 'error', job, error: (err as Error)?.name ?? 'unknown', code: (err as { code?: string }).code }),
        )
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
  return report
}
