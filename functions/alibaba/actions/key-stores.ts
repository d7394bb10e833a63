/**
 * @module functions/alibaba/actions/key-stores
 *
 * External key stores (XKS proxies) and external keys, as RPC actions of the 2016-01-20 API.
 * Alibaba's SDKs have no parameters for these (its XKI binding is console-only), so the names
 * follow AWS's custom key store API, under Alibaba's conventions; call them with
 * `@alicloud/openapi-client` `callApi` (README "External keys"):
 *
 * | Action | Parameters | Answer |
 * |---|---|---|
 * | `CreateExternalKeyStore` | `KeyStoreName`, `XksProxyUriEndpoint`, `XksProxyUriPath` (`[/prefix]/kms/xks/v1`), `XksProxyAccessKeyId`, `XksProxyRawSecretAccessKey` | `KeyStoreId`, `KeyStore` |
 * | `DescribeExternalKeyStore` | `KeyStoreId` | `KeyStore` |
 * | `ConnectExternalKeyStore` | `KeyStoreId` | `KeyStore` (`ConnectionState: Connected`) |
 * | `DisconnectExternalKeyStore` | `KeyStoreId` | `KeyStore` |
 * | `CreateKey` with `Origin=EXTERNAL_KEY_STORE` | `KeyStoreId`, `XksKeyId`, `Description`, (`KeySpec=Aliyun_AES_256`) | `KeyMetadata` |
 *
 * Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and ReEncrypt work on external keys
 * unchanged (core/domain/keys/symmetric-crypto.ts dispatches on the key's origin and the blob's
 * suite). The external ports are derived once per isolate from the Worker's deps and env.
 */
import { externalKeyStores } from '../../../core/store/external-key-stores'
import {
  connectKeyStore,
  createExternalKey,
  createKeyStore,
  describeKeyStore,
  describeStore,
  disconnectKeyStore,
  type ExternalDeps,
} from '../../../core/domain/keys/external/external-keys'
import { XksClient } from '../../../core/hsm-client/xks'
import type { Deps } from '../../deps'
import type { Env } from '../../env'
import type { ActionContext, ActionHandler } from '../context'
import { keyMetadata } from '../shape'

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

function storeId(ctx: ActionContext): string {
  return ctx.params.string('KeyStoreId', { max: 64 })
}

export const CreateExternalKeyStore: ActionHandler = async (ctx) => {
  const { params } = ctx
  const store = await createKeyStore(withExternal(ctx.deps, ctx.env), ctx.caller, {
    keyStoreName: params.string('KeyStoreName', { max: 128 }),
    proxyUriEndpoint: params.string('XksProxyUriEndpoint', { max: 256 }),
    proxyUriPath: params.string('XksProxyUriPath', { max: 256 }),
    accessKeyId: params.string('XksProxyAccessKeyId', { max: 64 }),
    secretAccessKey: params.string('XksProxyRawSecretAccessKey', { max: 64 }),
  })
  return { KeyStoreId: store.keyStoreId, KeyStore: describeStore(store) }
}

export const DescribeExternalKeyStore: ActionHandler = async (ctx) => ({
  KeyStore: describeStore(await describeKeyStore(withExternal(ctx.deps, ctx.env), ctx.caller, storeId(ctx))),
})

export const ConnectExternalKeyStore: ActionHandler = async (ctx) => ({
  KeyStore: describeStore(await connectKeyStore(withExternal(ctx.deps, ctx.env), ctx.caller, storeId(ctx))),
})

export const DisconnectExternalKeyStore: ActionHandler = async (ctx) => ({
  KeyStore: describeStore(await disconnectKeyStore(withExternal(ctx.deps, ctx.env), ctx.caller, storeId(ctx))),
})

/** CreateKey with `Origin=EXTERNAL_KEY_STORE` (called by the CreateKey action). */
export async function createExternalKeyAction(ctx: ActionContext): Promise<Record<string, unknown>> {
  const { params } = ctx
  const rotation = params.optionalBoolean('EnableAutomaticRotation')
  const key = await createExternalKey(withExternal(ctx.deps, ctx.env), ctx.caller, {
    keyStoreId: params.string('KeyStoreId', { max: 64 }),
    externalKeyId: params.string('XksKeyId', { max: 128 }),
    ...(params.optionalString('KeySpec', { max: 64 }) !== undefined ? { keySpec: params.optionalString('KeySpec', { max: 64 })! } : {}),
    ...(params.optionalString('KeyUsage', { max: 64 }) !== undefined ? { keyUsage: params.optionalString('KeyUsage', { max: 64 })! } : {}),
    ...(params.optionalString('ProtectionLevel', { max: 64 }) !== undefined ? { protectionLevel: params.optionalString('ProtectionLevel', { max: 64 })! } : {}),
    ...(params.optionalString('Description', { max: 8192 }) !== undefined ? { description: params.optionalString('Description', { max: 8192 })! } : {}),
    ...(rotation !== undefined ? { enableAutomaticRotation: rotation } : {}),
  })
  return { KeyMetadata: keyMetadata(key) }
}
