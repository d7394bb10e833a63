/**
 * Replay: copies of ONE signed request (same SignatureNonce, same signature) must be accepted
 * exactly once, whichever isolate they reach and across a restart. Three trials, each with a fresh
 * signed state-changing request (CreateKey):
 * - `concurrent`: N copies at once to one isolate;
 * - `two isolates`: N copies at once, half to the stack's workerd and half to a second workerd
 *   process (its own isolate, own replay cache) on the same table;
 * - `restart`: one copy, then kill -9 of workerd and a respawn (a fresh isolate remembers no
 *   nonce), then N copies split over both isolates.
 */
import { bump, outcomeOf, send, signed, type Wire } from './client'
import type { TortureStack } from './harness'
import { waitHealthy } from './harness'

export interface ReplayTrial {
  name: string
  copies: number
  accepted: number
  outcomes: Record<string, number>
}

export interface ReplayFigures {
  trials: ReplayTrial[]
  secondIsolate: boolean
}

function retarget(wire: Wire, endpoint: string): Wire {
  const url = new URL(wire.url)
  return { ...wire, url: `${endpoint}${url.pathname}${url.search}` }
}

async function fire(copies: Wire[]): Promise<{ accepted: number; outcomes: Record<string, number> }> {
  const replies = await Promise.all(copies.map((w) => send(w)))
  const outcomes: Record<string, number> = {}
  for (const r of replies) bump(outcomes, outcomeOf(r))
  return { accepted: replies.filter((r) => r.status === 200).length, outcomes }
}

export async function runReplay(ts: TortureStack, opts: { copies: number }): Promise<ReplayFigures> {
  const n = opts.copies
  const trials: ReplayTrial[] = []
  const make = () => signed(ts.target, 'CreateKey', [['Description', `torture replay ${Date.now()}`]])

  const one = await make()
  trials.push({ name: `${n} concurrent copies, one isolate`, copies: n, ...(await fire(Array.from({ length: n }, () => one))) })

  const second = await ts.secondIsolate()
  try {
    await waitHealthy({ ...ts.target, endpoint: second.endpoint })
    const two = await make()
    const spread = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? two : retarget(two, second.endpoint)))
    trials.push({ name: `${n} concurrent copies over two isolates (two workerd processes)`, copies: n, ...(await fire(spread)) })

    const three = await make()
    const first = await fire([three])
    ts.kill('workerd')
    await ts.restart('workerd')
    await waitHealthy(ts.target)
    const after = await fire(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? three : retarget(three, second.endpoint))))
    const outcomes: Record<string, number> = {}
    for (const [k, v] of [...Object.entries(first.outcomes), ...Object.entries(after.outcomes)]) bump(outcomes, k, v)
    trials.push({
      name: `1 copy, kill -9 + respawn of workerd, then ${n} copies over both isolates`,
      copies: n + 1,
      accepted: first.accepted + after.accepted,
      outcomes,
    })
  } finally {
    await second.dispose()
  }
  return { trials, secondIsolate: true }
}
