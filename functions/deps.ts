/**
 * @module functions/deps
 *
 * Builds the core's ports from the Worker's bindings, once per isolate (the DynamoDB client
 * and the parsed root key ring are reused across requests; nothing request-specific is cached
 * here).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { FetchHttpHandler } from '@smithy/fetch-http-handler'
import { parseRootKeyRing, type RootKeyRing } from '../core/crypto/root-key'
import { randomBytes } from '../core/crypto/random'
import { KmsError } from '../core/errors'
import { systemClock, type KeyDeps, type SecretRepository } from '../core/domain/ports'
import { createStore, type Store } from '../core/store'
import { AccessControl } from '../core/domain/principals/access-control'
import type { AuditRepository, CredentialRepository, IamRepository } from '../core/domain/ports'
import { DEFAULT_REGION, DEFAULT_TABLE, type Env } from './env'

export interface Deps extends KeyDeps {
  store: Store
  region: string
  secrets: SecretRepository
  /** Access control and audit (issue #7). `access` caches policies in the isolate (≤ 5 s). */
  iam: IamRepository
  credentials: CredentialRepository
  audit: AuditRepository
  access: AccessControl
}

let cached: { fingerprint: string; deps: Deps } | undefined

function fingerprint(env: Env): string {
  return [env.KMS_ROOT_KEYS, env.DYNAMODB_ENDPOINT, env.DYNAMODB_TABLE, env.DYNAMODB_REGION, env.KMS_REGION].join('\u0000')
}

/** @throws KmsError internal when the deployment is misconfigured (no root key). */
export function getDeps(env: Env): Deps {
  const fp = fingerprint(env)
  if (cached && cached.fingerprint === fp) return cached.deps
  if (!env.KMS_ROOT_KEYS) throw new KmsError('internal', 'The service is not configured (KMS_ROOT_KEYS missing).')
  const rootKeys: RootKeyRing = parseRootKeyRing(env.KMS_ROOT_KEYS)
  const client = new DynamoDBClient({
    endpoint: env.DYNAMODB_ENDPOINT || undefined,
    region: env.DYNAMODB_REGION || 'us-east-1',
    credentials:
      env.DYNAMODB_ACCESS_KEY_ID && env.DYNAMODB_SECRET_ACCESS_KEY
        ? { accessKeyId: env.DYNAMODB_ACCESS_KEY_ID, secretAccessKey: env.DYNAMODB_SECRET_ACCESS_KEY }
        : { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new FetchHttpHandler({ requestTimeout: 5000 }),
    maxAttempts: 2,
  })
  const store = createStore(client, env.DYNAMODB_TABLE || DEFAULT_TABLE)
  const deps: Deps = {
    store,
    keys: store.keys,
    aliases: store.aliases,
    secrets: store.secrets,
    clock: systemClock,
    random: randomBytes,
    rootKeys,
    region: env.KMS_REGION || DEFAULT_REGION,
    iam: store.iam,
    credentials: store.credentials,
    audit: store.audit,
    access: new AccessControl({ iam: store.iam, keys: store.keys, clock: systemClock }),
  }
  cached = { fingerprint: fp, deps }
  return deps
}
