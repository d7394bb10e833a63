/** @module functions/alibaba/actions/tags — the tag actions (single and batch), one file each. */
import type { ActionDescriptor } from '../../action'
import { ListResourceTags } from './list-resource-tags'
import { ListTagResources } from './list-tag-resources'
import { TagResource } from './tag-resource'
import { TagResources } from './tag-resources'
import { UntagResource } from './untag-resource'
import { UntagResources } from './untag-resources'

export const TAG_ACTIONS: readonly ActionDescriptor[] = [
  TagResource,
  UntagResource,
  ListResourceTags,
  TagResources,
  UntagResources,
  ListTagResources,
]
