/**
 * @module hsm-bridge/ops/generate-key
 *
 * `POST /v1/keys/generate` `{id, spec}` → `{id, spec, publicKeySpkiDer?}`.
 *
 * Idempotent per id: existing material of the same spec is returned as is (so a caller that timed
 * out can simply retry); another spec, or an incomplete key pair, is `KeyExists`. Generation and
 * destruction of one id are serialised inside the process; two bridges on one token are not
 * coordinated (see README, "Limits").
 */

import { BridgeError } from '../errors.js'
import { detectSpec, findKeyObjects, generateKeyObjects, isSecretSpec, KEY_SPECS, publicKeySpki, type KeySpec } from '../pkcs11/objects.js'
import { allowOnly, enumField, keyIdField, type Body } from '../validate.js'
import type { OpContext } from './context.js'

export interface GenerateKeyOutput {
  id: string
  spec: KeySpec
  publicKeySpkiDer?: string
}

/**
 * Creates (or returns) the key `id` with `spec`.
 *
 * @throws {BridgeError} ValidationError, KeyExists, UnsupportedOperation, Unavailable, Timeout,
 *   Internal.
 */
export async function generateKey(ctx: OpContext, body: Body): Promise<GenerateKeyOutput> {
  allowOnly(body, ['id', 'spec'])
  const id = keyIdField(body)
  const spec = enumField(body, 'spec', KEY_SPECS)
  return ctx.pool.run(ctx.generateTimeoutMs, 'generate', (s) =>
    ctx.locks.run(id, async () => {
      let objects = findKeyObjects(s, id)
      if (objects.length > 0) {
        const existing = detectSpec(s, objects)
        if (existing.spec !== spec || !existing.complete) {
          throw new BridgeError('KeyExists', 'A key with this id already exists with another spec.')
        }
      } else {
        await generateKeyObjects(s, id, spec)
        objects = findKeyObjects(s, id)
      }
      if (isSecretSpec(spec)) return { id, spec }
      return { id, spec, publicKeySpkiDer: publicKeySpki(s, objects).toString('base64') }
    }),
  )
}
