/**
 * @module functions/alibaba/registry
 *
 * Every Alibaba KMS action this service answers (Version 2016-01-20), listed explicitly as
 * descriptors (functions/alibaba/action.ts): name, parameters, permission and handler in one
 * file per action. The README's API coverage table is tested against the same list
 * (test/unit/readme-coverage.test.ts).
 */
import { registry, type ActionDescriptor } from './action'
import { KEY_ACTIONS } from './actions/keys'
import { ALIAS_ACTIONS } from './actions/aliases'
import { ASYMMETRIC_ACTIONS } from './actions/asymmetric'
import { BYOK_ACTIONS } from './actions/byok'
import { CRYPTO_ACTIONS } from './actions/crypto'
import { INSTANCE_ACTIONS } from './actions/instances'
import { KEY_STORE_ACTIONS } from './actions/key-stores'
import { MAC_ACTIONS } from './actions/mac'
import { SECRET_ACTIONS, SECRET_ROTATION_ACTIONS } from './actions/secrets'
import { SERVICE_ACTIONS } from './actions/service'
import { TAG_ACTIONS } from './actions/tags'
import { VERSION_ACTIONS } from './actions/versions'
import { POLICY_ACTIONS } from './actions/policies'

export const KMS_VERSION = '2016-01-20'

export const KMS_ACTIONS: ReadonlyMap<string, ActionDescriptor> = registry([
  ...SERVICE_ACTIONS,
  ...KEY_ACTIONS,
  ...VERSION_ACTIONS,
  ...ALIAS_ACTIONS,
  ...TAG_ACTIONS,
  ...CRYPTO_ACTIONS,
  ...ASYMMETRIC_ACTIONS,
  ...MAC_ACTIONS,
  ...BYOK_ACTIONS,
  ...SECRET_ACTIONS,
  ...SECRET_ROTATION_ACTIONS,
  ...POLICY_ACTIONS,
  ...INSTANCE_ACTIONS,
  ...KEY_STORE_ACTIONS,
])
