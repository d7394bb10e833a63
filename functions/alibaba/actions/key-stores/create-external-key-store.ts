/**
 * @module functions/alibaba/actions/key-stores/create-external-key-store
 *
 * CreateExternalKeyStore: registers an XKS proxy (`XksProxyUriEndpoint`, `XksProxyUriPath`
 * `[/prefix]/kms/xks/v1`, and the SigV4 credentials it accepts) and answers `KeyStoreId` and
 * `KeyStore`.
 */
import { createKeyStore, describeStore } from '../../../../core/domain/keys/external/external-keys'
import { action } from '../../action'
import { text } from '../../fields'
import { on } from '../../permission'
import { withExternal } from './external'

export const CreateExternalKeyStore = action({
  name: 'CreateExternalKeyStore',
  params: {
    KeyStoreName: text({ max: 128 }),
    XksProxyUriEndpoint: text({ max: 256 }),
    XksProxyUriPath: text({ max: 256 }),
    XksProxyAccessKeyId: text({ max: 64 }),
    XksProxyRawSecretAccessKey: text({ max: 64 }),
  },
  permission: on({ kind: 'service' }, false),
  handler: async ({ deps, env, caller }, input) => {
    const store = await createKeyStore(withExternal(deps, env), caller, {
      keyStoreName: input.KeyStoreName,
      proxyUriEndpoint: input.XksProxyUriEndpoint,
      proxyUriPath: input.XksProxyUriPath,
      accessKeyId: input.XksProxyAccessKeyId,
      secretAccessKey: input.XksProxyRawSecretAccessKey,
    })
    return { KeyStoreId: store.keyStoreId, KeyStore: describeStore(store) }
  },
})
