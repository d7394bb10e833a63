/** @module functions/alibaba/actions/key-stores/describe-external-key-store — DescribeExternalKeyStore: one key store (`KeyStore`). */
import { describeKeyStore, describeStore } from '../../../../core/domain/keys/external/external-keys'
import { action } from '../../action'
import { on } from '../../permission'
import { withExternal } from './external'
import { KEY_STORE_ID } from './fields'

export const DescribeExternalKeyStore = action({
  name: 'DescribeExternalKeyStore',
  params: { KeyStoreId: KEY_STORE_ID },
  permission: on({ kind: 'service' }, true),
  handler: async ({ deps, env, caller }, { KeyStoreId }) => ({
    KeyStore: describeStore(await describeKeyStore(withExternal(deps, env), caller, KeyStoreId)),
  }),
})
