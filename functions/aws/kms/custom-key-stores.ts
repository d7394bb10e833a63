/**
 * @module functions/aws/kms/custom-key-stores
 *
 * TrentService custom key stores of type `EXTERNAL_KEY_STORE` (XKS proxies), over the core's
 * external key stores (core/domain/keys/external/external-keys.ts, the same records the Alibaba
 * dialect's CreateExternalKeyStore & co. manage): CreateCustomKeyStore, DescribeCustomKeyStores,
 * ConnectCustomKeyStore, DisconnectCustomKeyStore, UpdateCustomKeyStore, DeleteCustomKeyStore.
 * Each has its own descriptor (no Alibaba counterpart for these names), authorised as
 * `kms:<Operation>` on the service (`acs:kms:<region>:<account>:*`), like the Alibaba key store
 * actions.
 *
 * Differences from AWS, all visible to a client:
 * - Store ids are this service's `xks-<24 hex>`, not `cks-…` (clients treat them as opaque).
 * - `AWS_CLOUDHSM` (also the default `CustomKeyStoreType`) is UnsupportedOperationException: HSM
 *   keys here are `ProtectionLevel: HSM` keys, not keys in a CloudHSM key store.
 * - `XksProxyConnectivity: VPC_ENDPOINT_SERVICE` is UnsupportedOperationException (no VPCs).
 * - CreateCustomKeyStore does not call the proxy; ConnectCustomKeyStore does, synchronously: it
 *   answers `{}` like AWS, and the outcome is the store's `ConnectionState` (`CONNECTED`, or
 *   `FAILED` with a `ConnectionErrorCode`) — never `CONNECTING`/`DISCONNECTING`.
 * - A `FAILED` store counts as disconnected (Update, Delete and Connect accept it).
 * - Several stores may name the same proxy URI (no XksProxyUriInUseException).
 */
import {
  connectKeyStore,
  createKeyStore,
  deleteKeyStore,
  describeKeyStore,
  disconnectKeyStore,
  listKeyStores,
  updateKeyStore,
} from '../../../core/domain/keys/external/external-keys'
import { KEY_STORE_ID, type ExternalKeyStoreRecord } from '../../../core/domain/keys/external/model'
import { KmsError, invalidParameter, missingParameter } from '../../../core/errors'
import { action } from '../../alibaba/action'
import { optionalInt, optionalText, text } from '../../alibaba/fields'
import { on } from '../../alibaba/permission'
import { withExternal } from '../../alibaba/actions/key-stores/external'
import { awsAction, compact, epochSeconds, num, params, str, type Json, type JsonObject } from '../action'

const STATES: Readonly<Record<ExternalKeyStoreRecord['connectionState'], string>> = {
  Connected: 'CONNECTED',
  Disconnected: 'DISCONNECTED',
  Failed: 'FAILED',
}

/** A store as AWS's `CustomKeyStoresListEntry` (never the secret). */
export function awsKeyStore(store: ExternalKeyStoreRecord): JsonObject {
  return compact({
    CustomKeyStoreId: store.keyStoreId,
    CustomKeyStoreName: store.keyStoreName,
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    ConnectionState: STATES[store.connectionState] ?? 'FAILED',
    ConnectionErrorCode: store.connectionState === 'Failed' ? (store.connectionErrorCode ?? 'INTERNAL_ERROR') : undefined,
    CreationDate: epochSeconds(store.createdAt),
    XksProxyConfiguration: {
      Connectivity: 'PUBLIC_ENDPOINT',
      AccessKeyId: store.accessKeyId,
      UriEndpoint: store.proxyUrl,
      UriPath: `${store.uriPrefix}/kms/xks/v1`,
    },
  })
}

/** `XksProxyAuthenticationCredential` → its two strings (absent → undefined). */
function credential(body: JsonObject): { AccessKeyId: string; RawSecretAccessKey: string } | undefined {
  const v = body.XksProxyAuthenticationCredential
  if (v === undefined || v === null) return undefined
  const c = v as { [k: string]: Json }
  if (typeof v !== 'object' || Array.isArray(v) || typeof c.AccessKeyId !== 'string' || typeof c.RawSecretAccessKey !== 'string') {
    throw invalidParameter('XksProxyAuthenticationCredential', 'must be {"AccessKeyId": string, "RawSecretAccessKey": string}.')
  }
  return { AccessKeyId: c.AccessKeyId, RawSecretAccessKey: c.RawSecretAccessKey }
}

function connectivity(body: JsonObject, required: boolean): void {
  const v = str(body, 'XksProxyConnectivity')
  if (v === undefined) {
    if (required) throw missingParameter('XksProxyConnectivity')
    return
  }
  if (v === 'VPC_ENDPOINT_SERVICE') {
    throw new KmsError(
      'key.unsupportedOperation',
      'XksProxyConnectivity VPC_ENDPOINT_SERVICE is not supported by this service; use PUBLIC_ENDPOINT.',
    )
  }
  if (v !== 'PUBLIC_ENDPOINT') throw invalidParameter('XksProxyConnectivity', 'must be PUBLIC_ENDPOINT or VPC_ENDPOINT_SERVICE.')
  for (const f of ['XksProxyVpcEndpointServiceName', 'XksProxyVpcEndpointServiceOwner']) {
    if (str(body, f) !== undefined) throw invalidParameter(f, 'is only for VPC_ENDPOINT_SERVICE connectivity.')
  }
}

const CLOUDHSM_FIELDS = ['CloudHsmClusterId', 'TrustAnchorCertificate', 'KeyStorePassword'] as const

function refuseCloudHsm(body: JsonObject): void {
  for (const f of CLOUDHSM_FIELDS) {
    if (str(body, f) !== undefined) throw invalidParameter(f, 'is only for AWS_CLOUDHSM key stores, which this service does not offer.')
  }
}

const STORE_ID = text({ max: 64 })

const CreateCustomKeyStoreDescriptor = action({
  name: 'CreateCustomKeyStore',
  params: {
    CustomKeyStoreName: text({ max: 256 }),
    XksProxyUriEndpoint: text({ max: 256 }),
    XksProxyUriPath: text({ max: 256 }),
    XksProxyAccessKeyId: text({ max: 64 }),
    XksProxyRawSecretAccessKey: text({ max: 64 }),
  },
  permission: on({ kind: 'service' }, false),
  handler: async ({ deps, env, caller }, input) => {
    const store = await createKeyStore(withExternal(deps, env), caller, {
      keyStoreName: input.CustomKeyStoreName,
      proxyUriEndpoint: input.XksProxyUriEndpoint,
      proxyUriPath: input.XksProxyUriPath,
      accessKeyId: input.XksProxyAccessKeyId,
      secretAccessKey: input.XksProxyRawSecretAccessKey,
    })
    return { CustomKeyStoreId: store.keyStoreId }
  },
})

export const CreateCustomKeyStore = awsAction({
  service: 'kms',
  name: 'CreateCustomKeyStore',
  via: CreateCustomKeyStoreDescriptor,
  request(body) {
    const type = str(body, 'CustomKeyStoreType') ?? 'AWS_CLOUDHSM'
    if (type === 'AWS_CLOUDHSM') {
      throw new KmsError(
        'key.unsupportedOperation',
        'AWS_CLOUDHSM key stores are not supported by this service (HSM-backed keys are CreateKey with ProtectionLevel HSM); use CustomKeyStoreType EXTERNAL_KEY_STORE.',
      )
    }
    if (type !== 'EXTERNAL_KEY_STORE') throw invalidParameter('CustomKeyStoreType', 'must be AWS_CLOUDHSM or EXTERNAL_KEY_STORE.')
    refuseCloudHsm(body)
    connectivity(body, true)
    const cred = credential(body)
    if (cred === undefined) throw missingParameter('XksProxyAuthenticationCredential')
    return params({
      CustomKeyStoreName: str(body, 'CustomKeyStoreName'),
      XksProxyUriEndpoint: str(body, 'XksProxyUriEndpoint'),
      XksProxyUriPath: str(body, 'XksProxyUriPath'),
      XksProxyAccessKeyId: cred.AccessKeyId,
      XksProxyRawSecretAccessKey: cred.RawSecretAccessKey,
    })
  },
  response: (out) => ({ CustomKeyStoreId: String(out.CustomKeyStoreId) }),
})

const DescribeCustomKeyStoresDescriptor = action({
  name: 'DescribeCustomKeyStores',
  params: {
    CustomKeyStoreId: optionalText({ max: 64 }),
    CustomKeyStoreName: optionalText({ max: 256 }),
    Limit: optionalInt(1, 1000),
    Marker: optionalText({ max: 64 }),
  },
  permission: on({ kind: 'service' }, true),
  handler: async ({ deps, env, caller }, input) => {
    const d = withExternal(deps, env)
    if (input.CustomKeyStoreId !== undefined && input.CustomKeyStoreName !== undefined) {
      throw invalidParameter('CustomKeyStoreName', 'cannot be combined with CustomKeyStoreId.')
    }
    if (input.Marker !== undefined && !KEY_STORE_ID.test(input.Marker)) {
      throw new KmsError('trail.invalidToken', 'The Marker is not one this service issued.')
    }
    let stores: ExternalKeyStoreRecord[]
    if (input.CustomKeyStoreId !== undefined) {
      stores = [await describeKeyStore(d, caller, input.CustomKeyStoreId)]
    } else {
      stores = await listKeyStores(d, caller)
      if (input.CustomKeyStoreName !== undefined) {
        stores = stores.filter((s) => s.keyStoreName === input.CustomKeyStoreName)
        if (stores.length === 0) throw new KmsError('keyStore.notFound', 'No external key store has this name.')
      }
    }
    if (input.Marker !== undefined) {
      const at = stores.findIndex((s) => s.keyStoreId === input.Marker)
      stores = at < 0 ? [] : stores.slice(at + 1)
    }
    const limit = input.Limit ?? 100
    const page = stores.slice(0, limit)
    const truncated = stores.length > limit
    return {
      CustomKeyStores: page.map(awsKeyStore),
      Truncated: truncated,
      ...(truncated ? { NextMarker: page[page.length - 1]!.keyStoreId } : {}),
    }
  },
})

export const DescribeCustomKeyStores = awsAction({
  service: 'kms',
  name: 'DescribeCustomKeyStores',
  via: DescribeCustomKeyStoresDescriptor,
  request: (body) =>
    params({
      CustomKeyStoreId: str(body, 'CustomKeyStoreId'),
      CustomKeyStoreName: str(body, 'CustomKeyStoreName'),
      Limit: num(body, 'Limit'),
      Marker: str(body, 'Marker'),
    }),
  response: (out) => out as JsonObject,
})

const ConnectCustomKeyStoreDescriptor = action({
  name: 'ConnectCustomKeyStore',
  params: { CustomKeyStoreId: STORE_ID },
  permission: on({ kind: 'service' }, false),
  handler: async ({ deps, env, caller }, { CustomKeyStoreId }) => {
    try {
      await connectKeyStore(withExternal(deps, env), caller, CustomKeyStoreId)
    } catch (err) {
      // A failed connection attempt (the proxy unreachable, or refusing): the store is now FAILED
      // with its ConnectionErrorCode, which DescribeCustomKeyStores shows, as in AWS.
      if (KmsError.match(err, 'hsm.unavailable') || KmsError.match(err, 'key.invalidState')) return {}
      throw err
    }
    return {}
  },
})

export const ConnectCustomKeyStore = awsAction({
  service: 'kms',
  name: 'ConnectCustomKeyStore',
  via: ConnectCustomKeyStoreDescriptor,
  request: (body) => params({ CustomKeyStoreId: str(body, 'CustomKeyStoreId') }),
  response: () => ({}),
})

const DisconnectCustomKeyStoreDescriptor = action({
  name: 'DisconnectCustomKeyStore',
  params: { CustomKeyStoreId: STORE_ID },
  permission: on({ kind: 'service' }, false),
  handler: async ({ deps, env, caller }, { CustomKeyStoreId }) => {
    await disconnectKeyStore(withExternal(deps, env), caller, CustomKeyStoreId)
    return {}
  },
})

export const DisconnectCustomKeyStore = awsAction({
  service: 'kms',
  name: 'DisconnectCustomKeyStore',
  via: DisconnectCustomKeyStoreDescriptor,
  request: (body) => params({ CustomKeyStoreId: str(body, 'CustomKeyStoreId') }),
  response: () => ({}),
})

const UpdateCustomKeyStoreDescriptor = action({
  name: 'UpdateCustomKeyStore',
  params: {
    CustomKeyStoreId: STORE_ID,
    NewCustomKeyStoreName: optionalText({ max: 256 }),
    XksProxyUriEndpoint: optionalText({ max: 256 }),
    XksProxyUriPath: optionalText({ max: 256 }),
    XksProxyAccessKeyId: optionalText({ max: 64 }),
    XksProxyRawSecretAccessKey: optionalText({ max: 64 }),
  },
  permission: on({ kind: 'service' }, false),
  handler: async ({ deps, env, caller }, input) => {
    await updateKeyStore(withExternal(deps, env), caller, input.CustomKeyStoreId, {
      ...(input.NewCustomKeyStoreName !== undefined ? { keyStoreName: input.NewCustomKeyStoreName } : {}),
      ...(input.XksProxyUriEndpoint !== undefined ? { proxyUriEndpoint: input.XksProxyUriEndpoint } : {}),
      ...(input.XksProxyUriPath !== undefined ? { proxyUriPath: input.XksProxyUriPath } : {}),
      ...(input.XksProxyAccessKeyId !== undefined ? { accessKeyId: input.XksProxyAccessKeyId } : {}),
      ...(input.XksProxyRawSecretAccessKey !== undefined ? { secretAccessKey: input.XksProxyRawSecretAccessKey } : {}),
    })
    return {}
  },
})

export const UpdateCustomKeyStore = awsAction({
  service: 'kms',
  name: 'UpdateCustomKeyStore',
  via: UpdateCustomKeyStoreDescriptor,
  request(body) {
    refuseCloudHsm(body)
    connectivity(body, false)
    const cred = credential(body)
    return params({
      CustomKeyStoreId: str(body, 'CustomKeyStoreId'),
      NewCustomKeyStoreName: str(body, 'NewCustomKeyStoreName'),
      XksProxyUriEndpoint: str(body, 'XksProxyUriEndpoint'),
      XksProxyUriPath: str(body, 'XksProxyUriPath'),
      XksProxyAccessKeyId: cred?.AccessKeyId,
      XksProxyRawSecretAccessKey: cred?.RawSecretAccessKey,
    })
  },
  response: () => ({}),
})

const DeleteCustomKeyStoreDescriptor = action({
  name: 'DeleteCustomKeyStore',
  params: { CustomKeyStoreId: STORE_ID },
  permission: on({ kind: 'service' }, false),
  handler: async ({ deps, env, caller }, { CustomKeyStoreId }) => {
    await deleteKeyStore(withExternal(deps, env), caller, CustomKeyStoreId)
    return {}
  },
})

export const DeleteCustomKeyStore = awsAction({
  service: 'kms',
  name: 'DeleteCustomKeyStore',
  via: DeleteCustomKeyStoreDescriptor,
  request: (body) => params({ CustomKeyStoreId: str(body, 'CustomKeyStoreId') }),
  response: () => ({}),
})
