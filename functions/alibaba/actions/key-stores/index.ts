/**
 * @module functions/alibaba/actions/key-stores
 *
 * External key stores (XKS proxies) and external keys, as RPC actions of the 2016-01-20 API, one
 * file each. Alibaba's SDKs have no parameters for these (its XKI binding is console-only), so the
 * names follow AWS's custom key store API, under Alibaba's conventions; call them with
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
 * The external ports and CreateKey's external path are in ./external.ts.
 */
import type { ActionDescriptor } from '../../action'
import { ConnectExternalKeyStore } from './connect-external-key-store'
import { CreateExternalKeyStore } from './create-external-key-store'
import { DescribeExternalKeyStore } from './describe-external-key-store'
import { DisconnectExternalKeyStore } from './disconnect-external-key-store'

/** Transitional: the symmetric crypto module still imports this from here; import ./external instead. */
export { withExternal } from './external'

export const KEY_STORE_ACTIONS: readonly ActionDescriptor[] = [
  CreateExternalKeyStore,
  DescribeExternalKeyStore,
  ConnectExternalKeyStore,
  DisconnectExternalKeyStore,
]
