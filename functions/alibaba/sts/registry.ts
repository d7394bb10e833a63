/**
 * @module functions/alibaba/sts/registry
 *
 * Every STS action this service answers (Version 2015-04-01).
 */
import type { ActionHandler } from '../context'
import { legacyAction, registry, type ActionDescriptor } from '../action'
import { STS_PERMISSIONS } from '../permissions'
import * as sts from './actions'

export const STS_VERSION = '2015-04-01'

const HANDLERS: Readonly<Record<string, ActionHandler>> = { ...sts }

export const STS_ACTIONS: ReadonlyMap<string, ActionDescriptor> = registry(
  Object.entries(HANDLERS).map(([name, handler]) => legacyAction(name, STS_PERMISSIONS[name], handler)),
)
