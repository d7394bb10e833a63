/**
 * @module functions/alibaba/registry
 *
 * Every Alibaba KMS action this service answers (Version 2016-01-20), listed explicitly as
 * descriptors (functions/alibaba/action.ts): name, parameters, permission and handler in one
 * file per action. The README's API coverage table is tested against the same list
 * (test/unit/readme-coverage.test.ts).
 */
import { legacyAction, registry, type ActionDescriptor } from './action'
import type { ActionHandler } from './context'
import { KMS_PERMISSIONS } from './permissions'
import { KEY_ACTIONS } from './actions/keys'
import * as aliases from './actions/aliases'
import { ASYMMETRIC_ACTIONS } from './actions/asymmetric'
import { BYOK_ACTIONS } from './actions/byok'
import * as crypto from './actions/crypto'
import { INSTANCE_ACTIONS } from './actions/instances'
import { KEY_STORE_ACTIONS } from './actions/key-stores'
import { MAC_ACTIONS } from './actions/mac'
import * as secrets from './actions/secrets'
import * as secretRotation from './actions/rotate-secret'
import { SERVICE_ACTIONS } from './actions/service'
import { TAG_ACTIONS } from './actions/tags'
import { VERSION_ACTIONS } from './actions/versions'
import { POLICY_ACTIONS } from './actions/policies'

export const KMS_VERSION = '2016-01-20'

/** Transitional: handlers of modules not yet split into descriptor files. */
function legacy(handlers: Readonly<Record<string, ActionHandler>>): ActionDescriptor[] {
  return Object.entries(handlers).map(([name, handler]) => legacyAction(name, KMS_PERMISSIONS[name], handler))
}

export const KMS_ACTIONS: ReadonlyMap<string, ActionDescriptor> = registry([
  ...SERVICE_ACTIONS,
  ...KEY_ACTIONS,
  ...VERSION_ACTIONS,
  ...legacy(aliases),
  ...TAG_ACTIONS,
  ...legacy(crypto),
  ...ASYMMETRIC_ACTIONS,
  ...MAC_ACTIONS,
  ...BYOK_ACTIONS,
  ...legacy(secrets),
  ...legacy(secretRotation),
  ...POLICY_ACTIONS,
  ...INSTANCE_ACTIONS,
  ...KEY_STORE_ACTIONS,
])
