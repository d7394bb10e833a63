/** @module functions/alibaba/actions/key-stores/disconnect-external-key-store — DisconnectExternalKeyStore: answers `KeyStore`. */
import { describeStore, disconnectKeyStore } from '../../../../core/domain/keys/external/external-keys'
import { action } from '../../action'
import { on } from '../../permission'
import { withExternal } from './external'
import { KEY_STORE_ID } from './fields'

export const DisconnectExternalKeyStore = action({
  name: 'DisconnectExternalKeyStore',
  params: { KeyStoreId: KEY_STORE_ID },
  permission: on({ kind: 'service' }, false),
  handler: async ({ deps, env, caller }, { KeyStoreId }) => ({
    KeyStore: describeStore(await disconnectKeyStore(withExternal(deps, env), caller, KeyStoreId)),
  }),
})
