/**
 * @module functions/alibaba/sts/registry
 *
 * Every STS action this service answers (Version 2015-04-01, same endpoint and signatures as KMS
 * and RAM), listed explicitly as descriptors (functions/alibaba/action.ts).
 */
import { registry, type ActionDescriptor } from '../action'
import { AssumeRole } from './assume-role'
import { GetCallerIdentity } from './get-caller-identity'

export const STS_VERSION = '2015-04-01'

export const STS_ACTIONS: ReadonlyMap<string, ActionDescriptor> = registry([AssumeRole, GetCallerIdentity])
