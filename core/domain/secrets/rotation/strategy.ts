/**
 * @module core/domain/secrets/rotation/strategy
 *
 * What a secret type plugs into the rotation engine (./engine.ts). The engine owns the state
 * machine (create → set → test → commit → finish), the `ACSPending` lock, retries and rollback;
 * a strategy only knows how to make, install and check a new value for its type. Every step is
 * called again after a crash or a failure, with the same `versionId`, so each must be idempotent.
 *
 * The context's value fields are SecretData texts, as the Rds/ECS strategies
 * (./strategies/managed-common.ts) expect.
 */
import type { RandomSource } from '../../../crypto/random'
import type { AuditRepository, CredentialRepository, IamRepository, SecretDeps } from '../../ports'
import type { SecretRecord } from '../model'
import type { RotationConnectors } from '../../../hsm-client/rotation'

export interface RotationDeps extends SecretDeps {
  iam: IamRepository
  credentials: CredentialRepository
  /** The audit trail: the engine records each step's failure, each commit and each rollback. */
  audit?: AuditRepository
  /** Outgoing HTTP for rotation functions; defaults to the global fetch. */
  fetch?: typeof fetch
  /** Local mode: rotation functions may be plain http on 127.0.0.1 / localhost. */
  allowLoopbackHttp?: boolean
  /** The hsm-bridge's rotation connectors (Rds, ECS), when HSM_BRIDGE_URL is set. */
  rotationBridge?: RotationConnectors
  /** Rotation function timeout per step, ms (default 5,000). */
  rotationFunctionTimeoutMs?: number
}

export interface RotationContext {
  deps: RotationDeps
  head: SecretRecord
  secretName: string
  accountId: string
  region: string
  /** The secret's parsed ExtendedConfig. */
  config: Record<string, unknown>
  /** The rotation's version id (RotateSecret's VersionId; AWS's ClientRequestToken). */
  versionId: string
  /** ACSCurrent's SecretData. */
  current: string
  /** ACSPrevious's SecretData, when there is one. */
  previous?: string
  /** The pending version's SecretData (after create). */
  pending?: string
  nowMs: number
  /** ACSCurrent SecretData of another secret of the same account and region. */
  readSecret(name: string): Promise<string>
  random: RandomSource
}

/** Work a strategy leaves for later (RAM: delete the replaced AccessKey after a grace period). */
export interface RotationCleanup {
  /** ISO-8601 UTC. */
  due: string
  /** Strategy-defined reference (an AccessKey id); never a secret value. */
  ref: string
}

export interface RotationStrategy {
  /** @throws KmsError validation.invalidParameter for a bad ExtendedConfig or SecretData. */
  validate(config: Record<string, unknown>, data: string): void
  /** @returns the pending version's SecretData. */
  createPending(ctx: RotationContext): Promise<string>
  setPending(ctx: RotationContext): Promise<void>
  testPending(ctx: RotationContext): Promise<void>
  /** After ACSCurrent moved. May return work for a later run. */
  finish?(ctx: RotationContext): Promise<RotationCleanup | void>
  /** Runs the work `finish` returned, once it is due. Idempotent. */
  cleanup?(ctx: RotationContext, ref: string): Promise<void>
  /** Undoes what createPending/setPending did when the engine gives up on a rotation. */
  rollback?(ctx: RotationContext): Promise<void>
}
