/**
 * @module functions/alibaba/trail/registry
 *
 * The ActionTrail actions this service answers (Version 2020-07-06).
 */
import type { ActionHandler } from '../context'
import { LookupEvents } from './lookup-events'

export const TRAIL_VERSION = '2020-07-06'

export const TRAIL_ACTIONS: Readonly<Record<string, ActionHandler>> = { LookupEvents }
