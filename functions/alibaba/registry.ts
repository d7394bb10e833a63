/**
 * @module functions/alibaba/registry
 *
 * Every Alibaba KMS action this service answers (Version 2016-01-20), in one list. The README's
 * API coverage table is generated from the same names.
 */
import type { ActionHandler } from './context'
import * as aliases from './actions/aliases'
import * as asymmetric from './actions/asymmetric'
import * as byok from './actions/byok'
import * as crypto from './actions/crypto'
import * as instances from './actions/instances'
import * as keys from './actions/keys'
import * as keyStores from './actions/key-stores'
import * as mac from './actions/mac'
import * as secrets from './actions/secrets'
import * as secretRotation from './actions/rotate-secret'
import * as service from './actions/service'
import * as tags from './actions/tags'
import * as versions from './actions/versions'
import * as resourcePolicies from './ram/resource-policies'

export const KMS_VERSION = '2016-01-20'

export const KMS_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  ...service,
  ...keys,
  ...versions,
  ...aliases,
  ...tags,
  ...crypto,
  ...asymmetric,
  ...mac,
  ...byok,
  ...secrets,
  ...secretRotation,
  ...resourcePolicies,
  ListKmsInstances: instances.ListKmsInstances,
  GetKmsInstance: instances.GetKmsInstance,
  GetKmsInstanceQuotaInfos: instances.GetKmsInstanceQuotaInfos,
  CreateExternalKeyStore: keyStores.CreateExternalKeyStore,
  DescribeExternalKeyStore: keyStores.DescribeExternalKeyStore,
  ConnectExternalKeyStore: keyStores.ConnectExternalKeyStore,
  DisconnectExternalKeyStore: keyStores.DisconnectExternalKeyStore,
}
