/**
 * @module core/domain/secrets/rotation/engine
 *
 * The one rotation state machine for every rotating secret type; the type's strategy
 * (./strategy.ts, ./registry.ts) does the type-specific work. State lives on the secret head
 * (`rotation`, see ../model.ts), and every transition is one conditional write on the head's
 * `rev`:
 *
 *   start   → pending = {versionId, step: create}            (the lock: one rotation per secret)
 *   create  → new version item, labelled ACSPending on the head; step = set
 *   set     → strategy installs it on the target;             step = test
 *   test    → strategy checks it works;                        step = commit
 *   commit  → ACSCurrent → new version, ACSPrevious → old current, ACSPending removed;
 *             lastRotationDate, nextRotationDate;              step = finish
 *   finish  → strategy.finish (may leave a cleanup due later); pending removed
 *
 * A step that throws (or a crash) leaves the head where it was: ACSCurrent is untouched before
 * commit, so readers of ACSCurrent only ever see a value that passed `test`. The failure (code
 * only, never a value) is recorded with a backoff, and the job (./job.ts) resumes at the same
 * step. After MAX_ROTATION_FAILURES failures before commit the rotation is rolled back: the
 * pending version is dropped (its item left to the sweep), strategy.rollback runs, and the
 * failure stays visible (`RotationStatus=Failed`, `LastRotationError`).
 *
 * Whoever drives a step first takes a short lease on the head (conditional write), so
 * overlapping cron runs and retried requests run each step's side effects once in the normal
 * case, and at worst twice (a lease that expired mid-step), which idempotent steps tolerate.
 */
import { fromUtf8, toHex, utf8 } from '../../../crypto/bytes'
import { KmsError, invalidParameter } from '../../../errors'
import { isoSeconds } from '../../keys/common'
import type { Caller } from '../../model'
import { ConditionFailed } from '../../ports'
import { backoff, ensureVersionItem, markForSweep, secretNotFound, sweepTime } from '../common'
import { getSecretValue } from '../get-secret-value'
import { lookup, plainMap, STAGE_CURRENT, STAGE_PENDING, STAGE_PREVIOUS, type RotationState, type SecretRecord } from '../model'
import { planNewVersion } from '../stages'
import { loadSecretKeyForWrite, openSecretVersion } from '../value-crypto'
import { recordEvent, type AuditSinkDeps } from '../../audit/run-audited'
import type { AuditEvent } from '../../audit/model'
import { secretArn } from '../names'
import { strategyFor } from './registry'
import { rotationDueTime, scheduleStore } from './schedule'
import type { RotationContext, RotationDeps, RotationStrategy } from './strategy'

/** Failed attempts of one rotation before it is rolled back. */
export const MAX_ROTATION_FAILURES = 5
/** How long a driver holds a rotation step. */
export const ROTATION_LEASE_MS = 60_000
const MAX_BACKOFF_MS = 3600_000

type SecretRef = Pick<SecretRecord, 'accountId' | 'region' | 'secretName'>

/** The audit action of the engine's own events (Alibaba's CloudMonitor: Secret:RotateSecret:*). */
export const ROTATION_AUDIT_ACTION = 'SecretRotation'

/**
 * One audit event of the engine itself (the job has no caller): the outcome of a step, with the
 * secret's ARN, the rotation's VersionId, the step and an error code — never a value. Best
 * effort: the head already records the same outcome.
 */
async function auditRotation(
  deps: RotationDeps,
  head: SecretRecord,
  versionId: string,
  step: string,
  outcome: 'Success' | 'Failure',
  errorCode?: string,
): Promise<void> {
  if (!deps.audit) return
  const event: AuditEvent = {
    v: 1,
    eventId: `rot-${toHex(deps.random(16))}`,
    time: new Date(deps.clock.now()).toISOString(),
    requestId: toHex(deps.random(8)),
    service: 'kms',
    version: '2016-01-20',
    action: ROTATION_AUDIT_ACTION,
    readOnly: false,
    accountId: head.accountId,
    principalType: 'root',
    principalArn: `acs:kms:${head.region}:${head.accountId}:service/secret-rotation`,
    resources: [secretArn(head)],
    decision: 'Allow',
    outcome,
    ...(errorCode ? { errorCode } : {}),
    params: { SecretName: head.secretName, VersionId: versionId, Step: step },
  }
  // The rotation's state is committed already; a lost record is reported, never thrown.
  await recordEvent(deps as RotationDeps & AuditSinkDeps, event).catch((err: unknown) =>
    console.error(JSON.stringify({ level: 'error', event: 'rotation-audit-lost', eventId: event.eventId, error: (err as Error)?.name })),
  )
}

function inProgress(): KmsError {
  return new KmsError('secret.invalidState', 'A rotation of this secret is already in progress.')
}

/** Moves the due-time pointer to the head's due time (delete when none). Best effort. */
export async function syncSchedule(deps: RotationDeps, head: SecretRecord, seen?: string): Promise<void> {
  const store = scheduleStore(deps.secrets)
  if (!store) return
  const due = rotationDueTime(head)
  try {
    if (due !== undefined) await store.putRotationSchedule(head, due)
    else if (seen !== undefined) await store.deleteRotationSchedule(head, seen)
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err
  }
}

/** Puts the pointer before a head write that makes the head due at `due`. */
async function scheduleAhead(deps: RotationDeps, ref: SecretRef, due: string): Promise<void> {
  await scheduleStore(deps.secrets)?.putRotationSchedule(ref, due)
}

async function readVersionText(deps: RotationDeps, head: SecretRecord, versionId: string): Promise<string> {
  const item = await deps.secrets.getVersion(head.accountId, head.region, head.secretName, versionId)
  if (!item) throw new KmsError('internal', 'A committed secret version has no stored value.')
  const bytes = await openSecretVersion(deps, head, versionId, item)
  try {
    return fromUtf8(bytes)
  } finally {
    bytes.fill(0)
  }
}

async function buildContext(
  deps: RotationDeps,
  head: SecretRecord,
  versionId: string,
  nowMs: number,
  cleanup = false,
): Promise<RotationContext> {
  const currentId = lookup(head.stages, STAGE_CURRENT)!
  const previousId = lookup(head.stages, STAGE_PREVIOUS)
  const pendingListed = head.versions.some((v) => v.versionId === versionId)
  const caller = { accountId: head.accountId, region: head.region, principal: 'root', accessKeyId: '' } as Caller
  // After commit, "current" is the new version; strategies' finish wants the replaced one.
  const committed = !cleanup && currentId === versionId
  const current = await readVersionText(deps, head, committed && previousId ? previousId : currentId)
  return {
    deps,
    head,
    secretName: head.secretName,
    accountId: head.accountId,
    region: head.region,
    config: head.extendedConfig ? (JSON.parse(head.extendedConfig) as Record<string, unknown>) : {},
    versionId,
    current,
    previous: previousId && !committed ? await readVersionText(deps, head, previousId) : undefined,
    pending: pendingListed ? await readVersionText(deps, head, versionId) : undefined,
    nowMs,
    random: deps.random,
    async readSecret(name: string) {
      const out = await getSecretValue(deps, caller, { secretName: name })
      try {
        return fromUtf8(out.value.bytes)
      } finally {
        out.value.bytes.fill(0)
      }
    },
  }
}

function errorCode(err: unknown): string {
  if (err instanceof KmsError) {
    const reason = (err.details as { reason?: string } | undefined)?.reason
    return reason ? `${err.code}:${reason}` : err.code
  }
  return 'internal'
}

/**
 * RotateSecret (and the schedule): starts a rotation to `versionId`. A retried request (same
 * `versionId`, already committed or in flight) succeeds without starting another one; a
 * different rotation in flight is `secret.invalidState`.
 *
 * @returns the head after the start (or as found, for a retry)
 * @throws KmsError secret.*, validation.invalidParameter (type that does not rotate), concurrency.conflict
 */
export async function startRotation(
  deps: RotationDeps,
  ref: SecretRef,
  versionId: string,
  trigger: 'manual' | 'schedule',
  expectDueBy?: number,
): Promise<{ head: SecretRecord; started: boolean }> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const head = await deps.secrets.getHead(ref.accountId, ref.region, ref.secretName)
    if (!head || head.state === 'Deleted') throw secretNotFound()
    if (head.state !== 'Enabled') {
      throw new KmsError('secret.invalidState', 'The secret is pending deletion. Restore it first.')
    }
    const pending = head.rotation?.pending
    if (pending?.versionId === versionId || head.versions.some((v) => v.versionId === versionId)) {
      return { head, started: false }
    }
    if (pending) throw inProgress()
    strategyOrRefuse(head)
    const now = deps.clock.now()
    if (expectDueBy !== undefined) {
      const next = head.rotation?.nextRotationDate
      if (!head.rotation?.enabled || !next || Date.parse(next) > expectDueBy) return { head, started: false }
    }
    const rotation: RotationState = {
      ...(head.rotation ?? { enabled: false }),
      pending: { versionId, step: 'create', startedAt: isoSeconds(now), failures: 0, trigger },
      status: 'InProgress',
    }
    const next: SecretRecord = { ...head, rotation, rev: head.rev + 1 }
    await scheduleAhead(deps, head, isoSeconds(now))
    if (await replaceHeadAt(deps, next, head.rev)) return { head: next, started: true }
    await backoff(attempt)
  }
  throw new KmsError('concurrency.conflict', 'The secret was modified concurrently. Retry the request.')
}

export function strategyOrRefuse(head: SecretRecord): RotationStrategy {
  const config = head.extendedConfig ? (JSON.parse(head.extendedConfig) as Record<string, unknown>) : {}
  const strategy = strategyFor(head.secretType, config)
  if (!strategy) {
    throw invalidParameter(
      'SecretName',
      'this secret does not rotate: a Generic secret rotates only with a RotationFunctionUrl in its ExtendedConfig.',
    )
  }
  return strategy
}

export type DriveOutcome = 'idle' | 'committed' | 'progressed' | 'failed' | 'rolledBack' | 'busy' | 'cleaned'

/**
 * Runs the rotation of one secret as far as it goes now: the pending steps in order, then a due
 * cleanup. Never throws for a failed step (the failure is recorded on the head).
 */
export async function driveRotation(deps: RotationDeps, ref: SecretRef, nowMs: number): Promise<DriveOutcome> {
  const lease = toHex(deps.random(8))
  let outcome: DriveOutcome = 'idle'
  for (let round = 0; round < 8; round++) {
    const head = await deps.secrets.getHead(ref.accountId, ref.region, ref.secretName)
    if (!head || head.state === 'Deleted' || !head.rotation) return outcome
    const r = head.rotation
    const p = r.pending
    if (!p) {
      if (r.cleanup && r.cleanup.due <= isoSeconds(nowMs)) return runCleanup(deps, head, nowMs)
      return outcome
    }
    if (p.retryAt && p.retryAt > isoSeconds(nowMs) && outcome === 'idle') return 'busy'
    const held = p.lease
    if (held && held.owner !== lease && held.until > deps.clock.now()) return outcome === 'idle' ? 'busy' : outcome
    // Take (or renew) the lease for this step.
    let base = head
    if (!held || held.owner !== lease) {
      const leased = withPending(head, { ...p, lease: { owner: lease, until: deps.clock.now() + ROTATION_LEASE_MS } })
      if (!(await replaceHeadAt(deps, leased, head.rev))) continue
      base = leased
    }
    const step = await runStep(deps, base, nowMs, lease)
    if (step === 'lost') continue
    outcome = step
    if (step !== 'progressed') return outcome
  }
  return outcome
}

/**
 * Writes `next` over the head at `rev`.
 *
 * @returns false when another writer got there first (the head is no longer at `rev`)
 */
async function replaceHeadAt(deps: RotationDeps, next: SecretRecord, rev: number): Promise<boolean> {
  try {
    await deps.secrets.replaceHead(next, rev)
    return true
  } catch (err) {
    if (err instanceof ConditionFailed) return false
    throw err
  }
}

function withPending(
  head: SecretRecord,
  pending: NonNullable<RotationState['pending']> | undefined,
  extra: Partial<RotationState> = {},
): SecretRecord {
  return { ...head, rotation: { ...head.rotation!, pending, ...extra }, rev: head.rev + 1 }
}

async function runStep(
  deps: RotationDeps,
  head: SecretRecord,
  nowMs: number,
  lease: string,
): Promise<'progressed' | 'committed' | 'failed' | 'rolledBack' | 'lost'> {
  const p = head.rotation!.pending!
  const strategy = strategyOrRefuse(head)
  const commit = (next: SecretRecord): Promise<boolean> => replaceHeadAt(deps, next, head.rev)
  const keep = { ...p, lease: { owner: lease, until: deps.clock.now() + ROTATION_LEASE_MS } }
  try {
    const ctx = await buildContext(deps, head, p.versionId, nowMs)
    switch (p.step) {
      case 'create': {
        const value = await strategy.createPending(ctx)
        const createdAt = isoSeconds(deps.clock.now())
        const key = await loadSecretKeyForWrite(deps, head)
        const bytes = utf8(value)
        const item = await ensureVersionItem(
          deps,
          head,
          key,
          p.versionId,
          { type: 'text', bytes },
          createdAt,
          () => new KmsError('concurrency.conflict', 'Another writer holds this rotation version.'),
        )
        bytes.fill(0)
        const plan = planNewVersion(head, { versionId: p.versionId, createdAt: item.createdAt }, [STAGE_PENDING])
        const next = withPending(head, { ...keep, step: 'set', retryAt: undefined })
        next.stages = plan.stages
        next.versions = plan.versions
        next.updatedAt = isoSeconds(nowMs)
        if (plan.evicted.length > 0) next.sweepAt = head.sweepAt ?? sweepTime(nowMs)
        if (!(await commit(next))) {
          await markForSweep(deps, head)
          return 'lost'
        }
        return 'progressed'
      }
      case 'set':
        await strategy.setPending(ctx)
        return (await commit(withPending(head, { ...keep, step: 'test', retryAt: undefined }))) ? 'progressed' : 'lost'
      case 'test':
        await strategy.testPending(ctx)
        return (await commit(withPending(head, { ...keep, step: 'commit', retryAt: undefined }))) ? 'progressed' : 'lost'
      case 'commit': {
        const stages = plainMap(head.stages)
        const former = stages[STAGE_CURRENT]
        if (former !== undefined && former !== p.versionId) stages[STAGE_PREVIOUS] = former
        stages[STAGE_CURRENT] = p.versionId
        delete stages[STAGE_PENDING]
        const r = head.rotation!
        const next = withPending(
          head,
          { ...keep, step: 'finish', retryAt: undefined },
          {
            lastRotationDate: isoSeconds(nowMs),
            nextRotationDate: r.enabled && r.intervalSeconds ? isoSeconds(nowMs + r.intervalSeconds * 1000) : r.nextRotationDate,
            status: 'Succeeded',
            lastError: undefined,
            lastErrorDate: undefined,
          },
        )
        next.stages = stages
        next.updatedAt = isoSeconds(nowMs)
        return (await commit(next)) ? 'progressed' : 'lost'
      }
      case 'finish': {
        const cleanup = strategy.finish ? await strategy.finish(ctx) : undefined
        const next = withPending(head, undefined, cleanup ? { cleanup: { ...cleanup, versionId: p.versionId } } : {})
        if (!(await commit(next))) return 'lost'
        await syncSchedule(deps, next)
        await auditRotation(deps, next, p.versionId, 'finish', 'Success')
        return 'committed'
      }
    }
  } catch (err) {
    if (err instanceof KmsError && err.code === 'concurrency.conflict') return 'lost'
    return recordFailure(deps, head, strategy, errorCode(err), nowMs)
  }
}

async function recordFailure(
  deps: RotationDeps,
  head: SecretRecord,
  strategy: RotationStrategy,
  code: string,
  nowMs: number,
): Promise<'failed' | 'rolledBack' | 'lost'> {
  const r = head.rotation!
  const p = r.pending!
  const failures = p.failures + 1
  const failed = { status: 'Failed' as const, lastError: code, lastErrorDate: isoSeconds(nowMs) }
  const afterCommit = p.step === 'finish'
  if (failures < MAX_ROTATION_FAILURES) {
    const wait = Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** (failures - 1))
    const next = withPending(head, { ...p, failures, retryAt: isoSeconds(nowMs + wait), lease: undefined }, failed)
    if (!(await replaceHeadAt(deps, next, head.rev))) return 'lost'
    await syncSchedule(deps, next)
    await auditRotation(deps, next, p.versionId, p.step, 'Failure', code)
    return 'failed'
  }
  // Give up. Before commit: drop the pending version; after commit the new value is current and
  // only the strategy's finish is lost (recorded).
  if (!afterCommit && strategy.rollback) {
    try {
      await strategy.rollback(await buildContext(deps, head, p.versionId, nowMs))
    } catch {
      // Recorded below; the rollback is retried by nobody, the failure stays visible.
    }
  }
  const next = withPending(head, undefined, {
    ...failed,
    ...(afterCommit ? { status: 'Succeeded' as const } : {}),
    nextRotationDate: r.enabled && r.intervalSeconds ? isoSeconds(nowMs + r.intervalSeconds * 1000) : r.nextRotationDate,
  })
  if (!afterCommit) {
    const stages = plainMap(head.stages)
    if (lookup(stages, STAGE_PENDING) === p.versionId) delete stages[STAGE_PENDING]
    next.stages = stages
    next.versions = head.versions.filter((v) => v.versionId !== p.versionId)
    next.sweepAt = head.sweepAt ?? sweepTime(nowMs)
  }
  if (!(await replaceHeadAt(deps, next, head.rev))) return 'lost'
  await syncSchedule(deps, next)
  await auditRotation(deps, next, p.versionId, afterCommit ? 'finish' : 'rollback', 'Failure', code)
  return 'rolledBack'
}

async function runCleanup(deps: RotationDeps, head: SecretRecord, nowMs: number): Promise<DriveOutcome> {
  const c = head.rotation!.cleanup!
  const strategy = strategyOrRefuse(head)
  if (strategy.cleanup) {
    const ctx = await buildContext(deps, head, lookup(head.stages, STAGE_CURRENT)!, nowMs, true)
    await strategy.cleanup(ctx, c.ref)
  }
  const next: SecretRecord = { ...head, rotation: { ...head.rotation!, cleanup: undefined }, rev: head.rev + 1 }
  if (!(await replaceHeadAt(deps, next, head.rev))) return 'busy'
  await syncSchedule(deps, next)
  return 'cleaned'
}

/**
 * UpdateSecretRotationPolicy (and CreateSecret's policy): enables automatic rotation with
 * `intervalSeconds` (first rotation at last rotation — or creation — + interval), or disables it.
 */
export function planRotationPolicy(head: SecretRecord, enabled: boolean, intervalSeconds: number | undefined): RotationState {
  const r: RotationState = { ...(head.rotation ?? { enabled: false }) }
  if (!enabled) return { ...r, enabled: false, intervalSeconds: undefined, nextRotationDate: undefined }
  const from = Date.parse(r.lastRotationDate ?? head.createdAt)
  return { ...r, enabled: true, intervalSeconds, nextRotationDate: isoSeconds(from + intervalSeconds! * 1000) }
}

export async function updateRotationPolicy(
  deps: RotationDeps,
  head: SecretRecord,
  enabled: boolean,
  intervalSeconds: number | undefined,
): Promise<SecretRecord> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const current = attempt === 0 ? head : await deps.secrets.getHead(head.accountId, head.region, head.secretName)
    if (!current || current.state === 'Deleted') throw secretNotFound()
    const next: SecretRecord = { ...current, rotation: planRotationPolicy(current, enabled, intervalSeconds), rev: current.rev + 1 }
    const due = rotationDueTime(next)
    if (due !== undefined) await scheduleAhead(deps, next, due)
    if (await replaceHeadAt(deps, next, current.rev)) return next
    await backoff(attempt)
  }
  throw new KmsError('concurrency.conflict', 'The secret was modified concurrently. Retry the request.')
}
