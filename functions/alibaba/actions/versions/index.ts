/** @module functions/alibaba/actions/versions — the key version and rotation actions, one file each. */
import type { ActionDescriptor } from '../../action'
import { CreateKeyVersion } from './create-key-version'
import { DescribeKeyVersion } from './describe-key-version'
import { ListKeyVersions } from './list-key-versions'
import { UpdateRotationPolicy } from './update-rotation-policy'

export const VERSION_ACTIONS: readonly ActionDescriptor[] = [ListKeyVersions, DescribeKeyVersion, UpdateRotationPolicy, CreateKeyVersion]
