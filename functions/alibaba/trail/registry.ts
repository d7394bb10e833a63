/**
 * @module functions/alibaba/trail/registry
 *
 * The ActionTrail actions this service answers (Version 2020-07-06), listed explicitly as
 * descriptors (functions/alibaba/action.ts).
 */
import { registry, type ActionDescriptor } from '../action'
import { LookupEvents } from './lookup-events'

export const TRAIL_VERSION = '2020-07-06'

export const TRAIL_ACTIONS: ReadonlyMap<string, ActionDescriptor> = registry([LookupEvents])
