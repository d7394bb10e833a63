/**
 * The store hangs (security checklist #20): dynalite is frozen with SIGSTOP, so its socket
 * accepts but never answers. The Worker's DynamoDB client (core/store/wire/client.ts: 5 s per
 * attempt, 2 attempts) must give up at its own deadline and answer 503
 * ServiceUnavailableTemporary in Alibaba's error shape — never a 500, never a result without its
 * audit record — and work again once dynalite resumes.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { expectOk, stack, v1 } from './raw'

/** The dynalite processes of the shared stack (the tsx wrapper and the node child), by port. */
function dynalitePids(): number[] {
  const needle = `dynalite-server.ts\u0000${new URL(stack().dynamoEndpoint).port}\u0000`
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return pids
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig)
    } catch {
      // gone
    }
  }
}

let frozen: number[] = []
afterEach(() => {
  signal(frozen, 'SIGCONT')
  frozen = []
})

describe('store outage (dynalite frozen)', () => {
  it('answers 503 ServiceUnavailableTemporary at the client deadline, then recovers', async () => {
    expectOk(await v1('DescribeRegions')) // warm: the AccessKey is cached, only the audit put remains
    frozen = dynalitePids()
    expect(frozen.length).toBeGreaterThan(0)
    signal(frozen, 'SIGSTOP')
    const started = Date.now()
    const res = await v1('DescribeRegions')
    const elapsed = Date.now() - started
    expect({ status: res.status, code: res.json?.Code }, res.text).toEqual({ status: 503, code: 'ServiceUnavailableTemporary' })
    expect(res.json).toMatchObject({ RequestId: expect.any(String), HostId: expect.any(String), Message: expect.any(String) })
    expect(res.text).not.toContain('Regions')
    // the Worker's own deadline (2 attempts × 5 s + backoff), far from any 30 s default
    expect(elapsed).toBeLessThan(20_000)
    signal(frozen, 'SIGCONT')
    frozen = []
    expectOk(await v1('DescribeRegions'))
  }, 60_000)
})
