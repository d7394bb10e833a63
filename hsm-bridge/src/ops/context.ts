/**
 * @module hsm-bridge/ops/context
 *
 * What every operation receives: the session pool, timeouts, per-id serialisation and what the
 * bridge has learnt about the module's capabilities.
 */

import type { SessionPool } from '../pkcs11/session-pool.js'

/** Serialises work per key id inside this process (generate and destroy of the same id). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>()

  /**
   * Runs `fn` after every earlier `run` with the same key has settled.
   *
   * @throws whatever `fn` throws.
   */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let done!: () => void
    const tail = new Promise<void>((resolve) => (done = resolve))
    const chained = previous.then(() => tail)
    this.tails.set(key, chained)
    await previous
    try {
      return await fn()
    } finally {
      done()
      if (this.tails.get(key) === chained) this.tails.delete(key)
    }
  }
}

export interface Capabilities {
  /**
   * Whether CKM_RSA_PKCS_OAEP accepts SHA-256 parameters. 'unknown' until first tried; SoftHSM
   * 2.6.1 answers CKR_ARGUMENTS_BAD and the bridge switches to raw RSA + its own OAEP decoding.
   */
  oaepSha256: 'unknown' | 'native' | 'raw'
}

export interface OpContext {
  pool: SessionPool
  opTimeoutMs: number
  generateTimeoutMs: number
  locks: KeyedMutex
  capabilities: Capabilities
}
