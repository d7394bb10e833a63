/**
 * @module functions/deps
 *
 * Builds the core's ports from the Worker's bindings, once per isolate (the DynamoDB client
 * and the parsed root key ring are reused across requests), and the isolate's state
 * (`deps.isolate`, core/domain/isolate-state.ts): every cache kept between requests, on
 * `deps.clock`, with its bound (docs/isolate-state.md).
 */
import { parseRootKeyRing, type RootKeyRing } from '../core/crypto/root-key'
import { randomBytes } from '../core/crypto/random'
import { nodeRsaEngine } from '../core/platform/node-rsa-engine'
import { KmsError } from '../core/errors'
import { HsmBridgeClient } from '../core/hsm-client/client'
import { RotationBridgeClient, type RotationConnectors } from '../core/hsm-client/rotation'
import { systemClock, type Clock, type KeyDeps, type SecretRepository } from '../core/domain/ports'
import { IsolateState } from '../core/domain/isolate-state'
import { createStore, type Store } from '../core/store'
import { CachedCredentialRepository } from '../core/store/cached-credentials'
import { CachedKeyRepository } from '../core/store/cached-keys'
import { CachedSecretRepository } from '../core/store/cached-secrets'
import { invalidating } from '../core/store/invalidating'
import { WireDocumentClient } from '../core/store/wire/client'
import { AccessControl } from '../core/domain/principals/access-control'
import type { AuditRepository, CredentialRepository, Hsm, IamRepository } from '../core/domain/ports'
import type { GrantRepository } from '../core/domain/ports'
import { DEFAULT_REGION, DEFAULT_TABLE, type Env } from './env'

export interface Deps extends KeyDeps {
  store: Store
  region: string
  secrets: SecretRepository
  /** Everything the isolate keeps between requests; `reset()` forgets it (tests). */
  isolate: IsolateState
  /** Access control and audit. `access` caches policies in the isolate (≤ 5 s). */
  iam: IamRepository
  credentials: CredentialRepository
  audit: AuditRepository
  access: AccessControl
  /** The HSM bridge, when HSM_BRIDGE_URL is set; HSM keys refuse to work without it. */
  hsm?: Hsm
  /** Local stack only: secret rotation functions may be plain http on loopback. */
  allowLoopbackHttp?: boolean
  /** The bridge's rotation connectors for Rds/ECS secrets, when HSM_BRIDGE_URL is set. */
  rotationBridge?: RotationConnectors
  /** AWS KMS grants of keys (core/store/grants.ts), read uncached: a revoked grant stops at once. */
  grants: GrantRepository
}

let cached: { fingerprint: string; deps: Deps } | undefined

function fingerprint(env: Env): string {
  return [
    env.KMS_ROOT_KEYS,
    env.DYNAMODB_ENDPOINT,
    env.DYNAMODB_TABLE,
    env.DYNAMODB_REGION,
    env.DYNAMODB_ACCESS_KEY_ID,
    env.DYNAMODB_SECRET_ACCESS_KEY,
    env.KMS_REGION,
    env.HSM_BRIDGE_URL,
    env.HSM_BRIDGE_SECRET,
  ].join('\u0000')
}

/** @throws KmsError internal when the deployment is misconfigured (no root key). */
export function getDeps(env: Env): Deps {
  const fp = fingerprint(env)
  if (cached && cached.fingerprint === fp) return cached.deps
  if (!env.KMS_ROOT_KEYS) throw new KmsError('internal', 'The service is not configured (KMS_ROOT_KEYS missing).')
  const rootKeys: RootKeyRing = parseRootKeyRing(env.KMS_ROOT_KEYS)
  // A fetch-based document client: the AWS SDK's middleware stack cost ~700 µs of CPU per call.
  const dynamoRegion = env.DYNAMODB_REGION || 'us-east-1'
  const client = new WireDocumentClient({
    endpoint: env.DYNAMODB_ENDPOINT || `https://dynamodb.${dynamoRegion}.amazonaws.com`,
    region: dynamoRegion,
    credentials:
      env.DYNAMODB_ACCESS_KEY_ID && env.DYNAMODB_SECRET_ACCESS_KEY
        ? { accessKeyId: env.DYNAMODB_ACCESS_KEY_ID, secretAccessKey: env.DYNAMODB_SECRET_ACCESS_KEY }
        : { accessKeyId: 'local', secretAccessKey: 'local' },
    timeoutMs: 5000,
    maxAttempts: 2,
  })
  const store = createStore(client, env.DYNAMODB_TABLE || DEFAULT_TABLE)
  let hsm: Hsm | undefined
  let rotationBridge: RotationConnectors | undefined
  if (env.HSM_BRIDGE_URL) {
    try {
      hsm = new HsmBridgeClient({ baseUrl: env.HSM_BRIDGE_URL, secret: env.HSM_BRIDGE_SECRET ?? '' })
      rotationBridge = new RotationBridgeClient({ baseUrl: env.HSM_BRIDGE_URL, secret: env.HSM_BRIDGE_SECRET ?? '' })
    } catch {
      // A misconfigured bridge fails HSM keys only (500); everything else keeps working.
      console.error(JSON.stringify({ level: 'error', event: 'hsm.misconfigured' }))
      const refuse = async (): Promise<never> => {
        throw new KmsError('internal', 'The HSM bridge is misconfigured (HSM_BRIDGE_URL or HSM_BRIDGE_SECRET).')
      }
      hsm = new Proxy({} as Hsm, { get: () => refuse })
    }
  }
  // One state per deps, on a clock of its own (the state is bound to it): a rebuilt deps starts
  // afresh, and the replaced state's secret bytes are zeroised.
  cached?.deps.isolate.reset()
  const clock: Clock = { now: systemClock.now }
  const isolate = new IsolateState(clock)
  // Warm keys are served from the isolate for ≤ 2 s (core/store/cached-keys.ts).
  const cachedKeys = new CachedKeyRepository(store.keys, isolate.keys)
  const access = new AccessControl({ iam: store.iam, keys: cachedKeys, secrets: store.secrets, clock, isolate })
  // Every write through deps drops, in this isolate, the access views it changes
  // (core/store/invalidating.ts): whoever the writer is (handler, job, admin route).
  const written = invalidating(
    { keys: cachedKeys, iam: store.iam, credentials: new CachedCredentialRepository(store.credentials, isolate.accessKeys) },
    access,
  )
  const deps: Deps = {
    isolate,
    store,
    keys: written.keys,
    aliases: store.aliases,
    // Warm secret heads too, ≤ 2 s (core/store/cached-secrets.ts).
    secrets: new CachedSecretRepository(store.secrets, isolate.secretHeads),
    clock,
    random: randomBytes,
    rootKeys,
    rsa: nodeRsaEngine,
    region: env.KMS_REGION || DEFAULT_REGION,
    iam: written.iam,
    credentials: written.credentials,
    audit: store.audit,
    access,
    grants: store.grants,
    ...(hsm ? { hsm } : {}),
    ...(rotationBridge ? { rotationBridge } : {}),
    allowLoopbackHttp: env.KMS_LOCAL_MODE === 'true',
  }
  cached = { fingerprint: fp, deps }
  return deps
}
