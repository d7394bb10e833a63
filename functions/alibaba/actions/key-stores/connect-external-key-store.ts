/** @module functions/alibaba/actions/key-stores/connect-external-key-store — ConnectExternalKeyStore: answers `KeyStore` with `ConnectionState: Connected`. */
import { connectKeyStore, describeStore } from '../../../../core/domain/keys/external/external-keys'
import { action } from '../../action'
import { on } from '../../permission'
import { withExternal } from './external'
import { KEY_STORE_ID } from './fields'

export const ConnectExternalKeyStore = action({
  name: 'ConnectExternalKeyStore',
  params: { KeyStoreId: KEY_STORE_ID },
  permission: on({ kind: 'service' }, false),
  handler: async ({ deps, env, caller }, { KeyStoreId }) => ({
    KeyStore: describeStore(await connectKeyStore(withExternal(deps, env), caller, KeyStoreId)),
  }),
})
