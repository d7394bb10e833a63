/**
 * @module hsm-bridge/pkcs11/session-pool
 *
 * A fixed pool of logged-in R/W sessions on one token, and the library's recovery loop.
 *
 * Invariants:
 * - A session is lent to exactly one operation at a time ({@link SessionPool.run}); it comes back
 *   only when that operation's native calls have finished, even if the request already timed out.
 * - Every session belongs to a *generation*. `C_Finalize` bumps the generation, and a session of
 *   an older generation is never passed to the library again: after the next `C_Initialize` its
 *   handle number may name somebody else's session.
 * - A device-class failure evicts the session and checks the idle ones (`C_GetSessionInfo`).
 *   When no session is left the pool enters *recovering*: requests fail fast with `Unavailable`,
 *   and a loop retries `C_Finalize` → `C_Initialize` → open/login with capped exponential
 *   backoff (after the experiment in security-checklist §4.3 A: a dead HSM connection is only
 *   repaired by a full re-initialisation).
 * - Idle sessions are validated with `C_GetSessionInfo` before each reuse.
 *
 * The lent session itself is ./session.ts, the failures that stop the pool ./fatal.ts, and the
 * caller's deadline ./deadline.ts.
 */

import { BridgeError, unavailable, type SessionDisposition } from '../errors.js'
import type { Logger } from '../log.js'
import { timeoutError, withDeadline } from './deadline.js'
import { describe, isDeviceClass, mapPkcs11Error, type Pkcs11Operation } from './errors.js'
import { FatalHsmError, fatalMessage, isFatalLogin } from './fatal.js'
import { P, pkcs11Code, slotId, SlotNotFoundError, type Handle, type Pkcs11Module, type SelectedSlot, type SlotSelector } from './module.js'
import { Session, type SessionOwner } from './session.js'

export interface SessionPoolOptions {
  size: number
  selector: SlotSelector
  pin: string
  logger: Logger
  /** How long recovery waits for lent sessions to come back before `C_Finalize`. */
  drainTimeoutMs: number
  backoffInitialMs?: number
  backoffMaxMs?: number
  /** Requests allowed to queue for a session before new ones are refused with Unavailable. */
  maxWaiters?: number
  /** Called when recovery hits a failure that retrying would make worse (a wrong PIN). */
  onFatal?: (err: Error) => void
}

export type PoolState = 'stopped' | 'ready' | 'recovering' | 'failed' | 'closed'

export interface PoolStatus {
  state: PoolState
  idle: number
  lent: number
  /** Successful re-initialisations since start. */
  recoveries: number
  token: string | undefined
}

/** PKCS#11 v2.40 §5.6 session state; pkcs11js does not export the CKS_* constants. */
const CKS_RW_USER_FUNCTIONS = 3

interface Waiter {
  resolve: (s: Session) => void
  reject: (err: BridgeError) => void
  timer: NodeJS.Timeout
}

/**
 * The session pool. Construct, then {@link SessionPool.start}; use {@link SessionPool.run} for
 * every operation.
 */
export class SessionPool implements SessionOwner {
  private state: PoolState = 'stopped'
  private generation = 0
  private selected: SelectedSlot | undefined
  private idle: Session[] = []
  private readonly lent = new Set<Session>()
  private waiters: Waiter[] = []
  private backoffMs: number
  private recoveryTimer: NodeJS.Timeout | undefined
  private recoveries = 0
  private readonly opts: Required<Omit<SessionPoolOptions, 'onFatal'>> & Pick<SessionPoolOptions, 'onFatal'>

  constructor(
    readonly module: Pkcs11Module,
    options: SessionPoolOptions,
  ) {
    this.opts = { backoffInitialMs: 100, backoffMaxMs: 2000, maxWaiters: 1024, ...options }
    this.backoffMs = this.opts.backoffInitialMs
  }

  /** Current state, for health reporting and tests. */
  get status(): PoolStatus {
    return {
      state: this.state,
      idle: this.idle.length,
      lent: this.lent.size,
      recoveries: this.recoveries,
      token: this.selected?.label ?? this.opts.selector.tokenLabel,
    }
  }

  /** True while `session` may still be used. */
  isCurrent(session: Session): boolean {
    return session.generation === this.generation && this.state === 'ready'
  }

  /**
   * Initialises the library and fills the pool. Transient failures leave the pool recovering in
   * the background (the bridge starts and reports itself unavailable).
   *
   * @throws {FatalHsmError} when the library cannot be loaded, no token matches, or login is
   *   refused for PIN reasons.
   */
  start(): void {
    if (this.state !== 'stopped') return
    try {
      this.connect()
    } catch (err) {
      const fatal = err instanceof SlotNotFoundError || isFatalLogin(err) || !(err instanceof P.Pkcs11Error)
      if (fatal) {
        this.module.finalize()
        this.state = 'failed'
        throw new FatalHsmError(fatalMessage(err), { cause: err })
      }
      const msg = 'hsm initialisation failed; retrying in the background'
      this.opts.logger.log('warn', msg, describe(err))
      this.enterRecovery()
    }
  }

  /**
   * Runs `fn` with a lent session, bounded by `timeoutMs` (which includes waiting for a
   * session). On timeout the caller gets `Timeout` at once; the session comes back to the pool
   * when the native call returns. Failures are mapped with {@link mapPkcs11Error} for `op`, and
   * the session is kept, replaced or evicted as the error says.
   *
   * @throws {BridgeError} Unavailable (recovering / queue full), Timeout, or the mapped failure.
   */
  async run<T>(timeoutMs: number, op: Pkcs11Operation, fn: (s: Session) => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs
    const session = await this.acquire(deadline)
    const work = (async () => {
      try {
        return await fn(session)
      } catch (err) {
        throw mapPkcs11Error(err, op)
      }
    })()
    work.then(
      () => this.release(session, 'keep'),
      (err: BridgeError) => this.release(session, err.session),
    )
    return withDeadline(work, deadline)
  }

  /**
   * Checks the token (`C_GetTokenInfo`); a device-class failure starts the eviction/recovery path.
   *
   * @throws never
   */
  checkHealth(): boolean {
    if (this.state !== 'ready' || this.selected === undefined) return false
    try {
      this.module.api.C_GetTokenInfo(this.selected.slot)
    } catch (err) {
      this.opts.logger.log('warn', 'health check failed', describe(err))
      if (isDeviceClass(err)) this.sweep()
      return false
    }
    return this.state === 'ready' && this.idle.length + this.lent.size > 0
  }

  /**
   * Stops the pool: refuses new work, waits (bounded) for lent sessions, finalizes the library.
   *
   * @throws never
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return
    const wasUp = this.state !== 'stopped'
    this.state = 'closed'
    this.generation++
    clearTimeout(this.recoveryTimer)
    this.rejectWaiters()
    await this.drain()
    this.idle = []
    if (wasUp) this.module.finalize()
  }

  private connect(): void {
    this.module.initialize()
    const selected = this.module.selectSlot(this.opts.selector)
    const api = this.module.api
    const flags = P.CKF_RW_SESSION | P.CKF_SERIAL_SESSION
    const handles: Handle[] = []
    for (let i = 0; i < this.opts.size; i++) handles.push(api.C_OpenSession(selected.slot, flags))
    try {
      // Login state is per application (PKCS#11 v2.40 §5.6): one C_Login covers every session.
      api.C_Login(handles[0]!, P.CKU_USER, this.opts.pin)
    } catch (err) {
      if (pkcs11Code(err) !== P.CKR_USER_ALREADY_LOGGED_IN) throw err
    }
    this.generation++
    this.selected = selected
    this.idle = handles.map((h) => new Session(this, h, this.generation))
    this.state = 'ready'
    this.opts.logger.log('info', 'hsm sessions ready', {
      slot: slotId(selected.slot).toString(),
      token: selected.label,
      sessions: handles.length,
      generation: this.generation,
    })
  }

  private acquire(deadline: number): Promise<Session> {
    if (this.state !== 'ready') return Promise.reject(unavailable())
    while (this.idle.length > 0) {
      const session = this.idle.pop()!
      if (this.validate(session)) {
        this.lent.add(session)
        return Promise.resolve(session)
      }
      if (this.state !== 'ready') return Promise.reject(unavailable())
    }
    if (this.lent.size === 0) {
      // Every session has been evicted; the device is gone.
      this.enterRecovery()
      return Promise.reject(unavailable())
    }
    if (this.waiters.length >= this.opts.maxWaiters) return Promise.reject(unavailable())
    return new Promise<Session>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(
          () => {
            this.waiters = this.waiters.filter((w) => w !== waiter)
            reject(timeoutError())
          },
          Math.max(0, deadline - Date.now()),
        ),
      }
      this.waiters.push(waiter)
    })
  }

  /** Checks an idle session before reuse; drops it (and sweeps) when it is broken. */
  private validate(session: Session): boolean {
    try {
      const info = this.module.api.C_GetSessionInfo(session.handle)
      if (info.state === CKS_RW_USER_FUNCTIONS) return true
      // Logged out behind our back (token reset, another app's C_Logout): log in again.
      this.module.api.C_Login(session.handle, P.CKU_USER, this.opts.pin)
      return true
    } catch (err) {
      if (pkcs11Code(err) === P.CKR_USER_ALREADY_LOGGED_IN) return true
      this.opts.logger.log('warn', 'dropping invalid idle session', describe(err))
      if (isFatalLogin(err)) {
        this.fail(err)
        return false
      }
      this.closeQuietly(session)
      if (isDeviceClass(err)) this.sweep()
      return false
    }
  }

  private release(session: Session, disposition: SessionDisposition): void {
    this.lent.delete(session)
    if (!this.isCurrent(session)) return
    if (disposition === 'keep') {
      this.giveBack(session)
      return
    }
    this.closeQuietly(session)
    if (disposition === 'evict') {
      this.sweep()
      return
    }
    // 'replace': the session may hold an active operation (SoftHSM keeps a C_*Init alive after
    // a failure or a mismatched key); a fresh one is cheaper than reasoning about it.
    try {
      const handle = this.module.api.C_OpenSession(this.selected!.slot, P.CKF_RW_SESSION | P.CKF_SERIAL_SESSION)
      this.offer(new Session(this, handle, this.generation))
    } catch (err) {
      this.opts.logger.log('warn', 'could not replace session', describe(err))
      this.sweep()
    }
  }

  private giveBack(session: Session): void {
    if (this.waiters.length === 0) {
      this.idle.push(session)
      return
    }
    // A waiter gets the session only if it still validates; otherwise the waiters wait on.
    if (this.validate(session)) {
      this.offer(session)
    } else if (this.state === 'ready' && this.idle.length + this.lent.size === 0) {
      this.enterRecovery()
    }
  }

  /** Hands a known-good session to the first waiter, or parks it. */
  private offer(session: Session): void {
    const waiter = this.waiters.shift()
    if (waiter === undefined) {
      this.idle.push(session)
      return
    }
    clearTimeout(waiter.timer)
    this.lent.add(session)
    waiter.resolve(session)
  }

  /** After a device-class failure: drop idle sessions that no longer answer; recover if none. */
  private sweep(): void {
    if (this.state !== 'ready') return
    this.idle = this.idle.filter((s) => {
      try {
        this.module.api.C_GetSessionInfo(s.handle)
        return true
      } catch {
        return false
      }
    })
    if (this.idle.length + this.lent.size === 0) {
      this.enterRecovery()
      return
    }
    // Some sessions still answer, so the library is alive: top the pool up again.
    if (this.idle.length > 0) this.replenish()
  }

  private replenish(): void {
    const flags = P.CKF_RW_SESSION | P.CKF_SERIAL_SESSION
    while (this.idle.length + this.lent.size < this.opts.size) {
      try {
        const handle = this.module.api.C_OpenSession(this.selected!.slot, flags)
        this.offer(new Session(this, handle, this.generation))
      } catch (err) {
        this.opts.logger.log('warn', 'could not open a replacement session', describe(err))
        return
      }
    }
  }

  private enterRecovery(): void {
    if (this.state !== 'ready' && this.state !== 'stopped') return
    this.state = 'recovering'
    this.generation++
    this.idle = []
    this.rejectWaiters()
    this.backoffMs = this.opts.backoffInitialMs
    this.opts.logger.log('warn', 'hsm unavailable; re-initialising the library')
    this.scheduleRecovery(0)
  }

  private scheduleRecovery(delayMs: number): void {
    this.recoveryTimer = setTimeout(() => void this.recover(), delayMs)
    this.recoveryTimer.unref()
  }

  private async recover(): Promise<void> {
    if (this.state !== 'recovering') return
    await this.drain()
    if (this.state !== 'recovering') return
    this.module.finalize()
    try {
      this.connect()
      this.recoveries++
      this.opts.logger.log('info', 'hsm recovered', { recoveries: this.recoveries })
    } catch (err) {
      if (isFatalLogin(err)) {
        this.fail(err)
        return
      }
      const delay = this.backoffMs + Math.floor(Math.random() * (this.backoffMs / 2))
      this.backoffMs = Math.min(this.backoffMs * 2, this.opts.backoffMaxMs)
      const fields = { ...describe(err), retryInMs: delay }
      this.opts.logger.log('warn', 'hsm re-initialisation failed', fields)
      this.state = 'recovering'
      this.scheduleRecovery(delay)
    }
  }

  /**
   * Waits until no session is lent (their native calls have returned), at most drainTimeoutMs.
   * WARNING: `C_Finalize` while another thread is inside the library is undefined behaviour;
   * proceeding after the bound trades that risk against never recovering from a hung call.
   */
  private async drain(): Promise<void> {
    const until = Date.now() + this.opts.drainTimeoutMs
    while (this.lent.size > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10))
    }
    if (this.lent.size > 0) {
      const fields = { lent: this.lent.size }
      this.opts.logger.log('error', 'finalizing with native calls still in flight', fields)
      this.lent.clear()
    }
  }

  private fail(err: unknown): void {
    this.state = 'failed'
    this.generation++
    this.idle = []
    this.rejectWaiters()
    this.module.finalize()
    const fatal = new FatalHsmError(fatalMessage(err), { cause: err })
    this.opts.logger.log('error', fatal.message, describe(err))
    this.opts.onFatal?.(fatal)
  }

  private rejectWaiters(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) {
      clearTimeout(w.timer)
      w.reject(unavailable())
    }
  }

  private closeQuietly(session: Session): void {
    if (session.generation !== this.generation) return
    try {
      this.module.api.C_CloseSession(session.handle)
    } catch {
      // Already gone.
    }
  }
}
