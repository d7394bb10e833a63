/**
 * @module functions/alibaba/ram/registry
 *
 * Every RAM action this service answers (Version 2015-05-01, same endpoint and signatures as
 * KMS), listed explicitly as descriptors (functions/alibaba/action.ts): users and AccessKeys
 * (./users), custom and system policies and their user attachments (./policies), roles
 * (./roles). Response shapes follow @alicloud/ram20150501's models (./shape.ts).
 */
import { registry, type ActionDescriptor } from '../action'
import { RAM_POLICY_ACTIONS } from './policies'
import { ROLE_ACTIONS } from './roles'
import { USER_ACTIONS } from './users'

export const RAM_VERSION = '2015-05-01'

export const RAM_ACTIONS: ReadonlyMap<string, ActionDescriptor> = registry([...USER_ACTIONS, ...RAM_POLICY_ACTIONS, ...ROLE_ACTIONS])
