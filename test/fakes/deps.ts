/**
 * A full `Deps` (functions/deps.ts) on in-memory repositories, for running the app
 * (`createApp`, functions/app.ts) with `app.request(...)`: keys, aliases, secrets, IAM and
 * credentials, audit and instances in memory with the DynamoDB repositories' conditional
 * semantics, a generated root key ring, a clock that follows real time unless moved, and one
 * bootstrapped account with a root AccessKey — as the local stack writes them
 * (scripts/lib/stack.ts).
 *
 * Every repository call that is not a read (`get*`, `list*`) counts as a state write in
 * `writes` (audit writes apart, in `audit.writes`): a refused call must leave both untouched,
 * apart from its one audit event.
 */
import { generateRootKeyRingJson, parseRootKeyRing, wrapUnderRoot } from '../../core/crypto/root-key'
import { randomBytes } from '../../core/crypto/random'
import { utf8 } from '../../core/crypto/bytes'
import { accessKeySecretAad } from '../../core/domain/authenticate'
import { MemoryAudit } from '../../core/domain/audit/memory-audit.fake'
import { IsolateState } from '../../core/domain/isolate-state'
import { AccessControl } from '../../core/domain/principals/access-control'
import { MemoryIam } from '../../core/domain/principals/memory-iam.fake'
import type { Clock } from '../../core/domain/ports'
import { invalidating } from '../../core/store/invalidating'
import { nodeRsaEngine } from '../../core/platform/node-rsa-engine'
import type { Store } from '../../core/store'
import type { Deps } from '../../functions/deps'
import { MemoryInstances } from './memory-instances'
import { MemorySecrets } from './memory-secrets'
import { MemoryAliases, MemoryKeys } from './memory-store'
import { MemoryGrants } from './memory-grants'

export const FAKE_REGION = 'cn-hangzhou'
export const FAKE_ACCOUNT_ID = '1234567890123456'

/** Real time, moved by `advance` (signatures are checked within ±15 minutes of it). */
export class FakeClock implements Clock {
  offsetMs = 0
  now(): number {
    return Date.now() + this.offsetMs
  }
  advance(ms: number): void {
    this.offsetMs += ms
  }
}

/** An AccessKey the fake deps know: what a signer needs. */
export interface FakeCredentials {
  accountId: string
  accessKeyId: string
  accessKeySecret: string
}

export interface FakeDeps {
  deps: Deps
  clock: FakeClock
  keys: MemoryKeys
  aliases: MemoryAliases
  secrets: MemorySecrets
  iam: MemoryIam
  audit: MemoryAudit
  instances: MemoryInstances
  grants: MemoryGrants
  /** The bootstrapped account's root AccessKey. */
  root: FakeCredentials
  /** State writes so far (every repository but the audit trail). */
  writes(): number
  /** Creates another account with a root AccessKey (what `POST /__local/accounts` does). */
  addAccount(accountId?: string): Promise<FakeCredentials>
}

const isRead = (name: string) => /^(get|list)/.test(name)

/** Counts the calls of `target`'s write methods in `counter.n`. */
function counting<T extends object>(target: T, counter: { n: number }): T {
  return new Proxy(target, {
    get(t, p, receiver) {
      const v = Reflect.get(t, p, receiver)
      if (typeof v !== 'function' || typeof p !== 'string') return v
      // Called on the target, so that its own helper calls are not counted.
      const write = !isRead(p)
      return (...args: unknown[]) => {
        if (write) counter.n++
        return (v as (...a: unknown[]) => unknown).apply(t, args)
      }
    },
  })
}

function randomAlnum(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('')
}

export async function fakeDeps(options: { region?: string; accountId?: string } = {}): Promise<FakeDeps> {
  const clock = new FakeClock()
  const rootKeys = parseRootKeyRing(generateRootKeyRingJson('rk-fake'))
  const counter = { n: 0 }
  const keys = new MemoryKeys()
  const aliases = new MemoryAliases()
  const secrets = new MemorySecrets()
  const iam = new MemoryIam()
  const audit = new MemoryAudit()
  const instances = new MemoryInstances()
  const grants = new MemoryGrants()
  const cGrants = counting(grants, counter)
  const [cKeys, cAliases, cSecrets, cIam, cInstances] = [keys, aliases, secrets, iam, instances].map((r) => counting(r, counter)) as [
    MemoryKeys,
    MemoryAliases,
    MemorySecrets,
    MemoryIam,
    MemoryInstances,
  ]
  // The Dynamo store's table and entities are absent: the paths that need them (external key
  // stores) see no table and stay off, as they check `deps.store.table`.
  const store = {
    keys: cKeys,
    aliases: cAliases,
    credentials: cIam,
    secrets: cSecrets,
    iam: cIam,
    audit,
    instances: cInstances,
    grants: cGrants,
  } as unknown as Store
  const isolate = new IsolateState(clock)
  const state = { isolate }
  const access = new AccessControl({ iam: cIam, keys: cKeys, secrets: cSecrets, clock, ...state })
  // As getDeps wires them: writes drop the access views they change (core/store/invalidating.ts).
  const written = invalidating({ keys: cKeys, iam: cIam, credentials: cIam }, access)
  const deps: Deps = {
    ...state,
    store,
    keys: written.keys,
    aliases: cAliases,
    secrets: cSecrets,
    clock,
    random: randomBytes,
    rootKeys,
    rsa: nodeRsaEngine,
    region: options.region ?? FAKE_REGION,
    iam: written.iam,
    credentials: written.credentials,
    audit,
    access,
    grants: cGrants,
  }
  const addAccount = async (accountId = String(1_000_000_000_000_000 + Math.floor(Math.random() * 8_999_999_999_999_999))) => {
    const createdAt = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const accessKeyId = `LTAI${randomAlnum(20)}`
    const accessKeySecret = randomAlnum(30)
    await iam.ensureAccount({ accountId, createdAt })
    await iam.putAccessKey({
      accessKeyId,
      accountId,
      principal: 'root',
      status: 'Active',
      wrappedSecret: await wrapUnderRoot(rootKeys, utf8(accessKeySecret), accessKeySecretAad(accessKeyId)),
      createdAt,
    })
    return { accountId, accessKeyId, accessKeySecret }
  }
  const root = await addAccount(options.accountId ?? FAKE_ACCOUNT_ID)
  return { deps, clock, keys, aliases, secrets, iam, audit, instances, grants, root, writes: () => counter.n, addAccount }
}
