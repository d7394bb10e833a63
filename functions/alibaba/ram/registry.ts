/**
 * @module functions/alibaba/ram/registry
 *
 * Every RAM action this service answers (Version 2015-05-01).
 */
import type { ActionHandler } from '../context'
import * as ram from './actions'
import * as roles from './roles'

export const RAM_VERSION = '2015-05-01'

export const RAM_ACTIONS: Readonly<Record<string, ActionHandler>> = { ...ram, ...roles }
