/**
 * @module functions/alibaba/trail/registry
 *
 * The ActionTrail actions this service answers (Version 2020-07-06).
 */
import type { ActionHandler } from '../context'
import { legacyAction, registry, type ActionDescriptor } from '../action'
import { TRAIL_PERMISSIONS } from '../permissions'
import { LookupEvents } from './lookup-events'

export const TRAIL_VERSION = '2020-07-06'

const HANDLERS: Readonly<Record<string, ActionHandler>> = { LookupEvents }

export const TRAIL_ACTIONS: ReadonlyMap<string, ActionDescriptor> = registry(
  Object.entries(HANDLERS).map(([name, handler]) => legacyAction(name, TRAIL_PERMISSIONS[name], handler)),
)
