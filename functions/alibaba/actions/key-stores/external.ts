/**
 * @module functions/alibaba/actions/key-stores/external
 *
 * The external (XKS) side of the key actions (not an action): {@link withExternal} gives the
 * actions that may meet an external key the external key store repository and the bridge's XKS
 * client, derived once per isolate from the Worker's deps and env; {@link createExternalKeyAction}
 * is CreateKey with `Origin=EXTERNAL_KEY_STORE` (../keys/create-key.ts), which reads its own
 * parameters: `KeyStoreId`, `XksKeyId`, `Description`, (`KeySpec=Aliyun_AES_256`).
 *
 * Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and ReEncrypt work on external keys
 * unchanged (core/domain/keys/symmetric-crypto.ts dispatches on the key's origin and the blob's
 * suite).
 */
import { externalKeyStores } from '../../../../core/store/external-key-stores'
import { createExternalKey, type ExternalDeps } from '../../../../core/domain/keys/external/external-keys'
import { XksClient } from '../../../../core/hsm-client/xks'
import type { Deps } from '../../../deps'
import type { Env } from '../../../env'
import type { ActionContext } from '../../context'
import { keyMetadata } from '../../shape'

const augmented = new WeakMap<Deps, Deps & ExternalDeps>()

/**
 * `deps` with the external key store repository and the bridge's XKS client (when the bridge is
 * configured), built once per deps object.
 *
 * @throws never
 */
export function withExternal(deps: Deps, env: Env | undefined): Deps & ExternalDeps {
  if (deps.store?.table === undefined) return deps
  let out = augmented.get(deps)
  if (out === undefined) {
    let xks: XksClient | undefined
    if (env?.HSM_BRIDGE_URL) {
      try {
        xks = new XksClient({ baseUrl: env.HSM_BRIDGE_URL, secret: env.HSM_BRIDGE_SECRET ?? '' })
      } catch {
        console.error(JSON.stringify({ level: 'error', event: 'xks.misconfigured' }))
      }
    }
    out = Object.assign(Object.create(deps) as Deps, deps, {
      externalKeyStores: externalKeyStores(deps.store.table),
      ...(xks ? { xks } : {}),
    }) as Deps & ExternalDeps
    augmented.set(deps, out)
  }
  return out
}

/**
 * CreateKey with `Origin=EXTERNAL_KEY_STORE` (called by the CreateKey action).
 *
 * @throws KmsError MissingParameter / InvalidParameter, or the domain's errors (core/domain/keys/external).
 */
export async function createExternalKeyAction(ctx: ActionContext): Promise<Record<string, unknown>> {
  const { params } = ctx
  const rotation = params.optionalBoolean('EnableAutomaticRotation')
  const key = await createExternalKey(withExternal(ctx.deps, ctx.env), ctx.caller, {
    keyStoreId: params.string('KeyStoreId', { max: 64 }),
    externalKeyId: params.string('XksKeyId', { max: 128 }),
    ...(params.optionalString('KeySpec', { max: 64 }) !== undefined ? { keySpec: params.optionalString('KeySpec', { max: 64 })! } : {}),
    ...(params.optionalString('KeyUsage', { max: 64 }) !== undefined ? { keyUsage: params.optionalString('KeyUsage', { max: 64 })! } : {}),
    ...(params.optionalString('ProtectionLevel', { max: 64 }) !== undefined
      ? { protectionLevel: params.optionalString('ProtectionLevel', { max: 64 })! }
      : {}),
    ...(params.optionalString('Description', { max: 8192 }) !== undefined
      ? { description: params.optionalString('Description', { max: 8192 })! }
      : {}),
    ...(rotation !== undefined ? { enableAutomaticRotation: rotation } : {}),
  })
  return { KeyMetadata: keyMetadata(key) }
}
