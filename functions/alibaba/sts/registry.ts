/**
 * @module functions/alibaba/sts/registry
 *
 * Every STS action this service answers (Version 2015-04-01).
 */
import type { ActionHandler } from '../context'
import * as sts from './actions'

export const STS_VERSION = '2015-04-01'

export const STS_ACTIONS: Readonly<Record<string, ActionHandler>> = { ...sts }
