/**
 * @module functions/alibaba/ram/registry
 *
 * Every RAM action this service answers (Version 2015-05-01).
 */
import type { ActionHandler } from '../context'
import { legacyAction, registry, type ActionDescriptor } from '../action'
import { RAM_PERMISSIONS } from '../permissions'
import * as ram from './actions'
import * as roles from './roles'

export const RAM_VERSION = '2015-05-01'

const HANDLERS: Readonly<Record<string, ActionHandler>> = { ...ram, ...roles }

export const RAM_ACTIONS: ReadonlyMap<string, ActionDescriptor> = registry(
  Object.entries(HANDLERS).map(([name, handler]) => legacyAction(name, RAM_PERMISSIONS[name], handler)),
)
