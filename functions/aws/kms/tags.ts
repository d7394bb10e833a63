/**
 * @module functions/aws/kms/tags
 *
 * TrentService TagResource, UntagResource, ListResourceTags on keys, over the Alibaba
 * descriptors (kms:TagResource / kms:UntagResource / kms:ListResourceTags on the key).
 * AWS `Tags: [{TagKey, TagValue}]` and `TagKeys: [...]` become the JSON lists the core reads.
 */
import { invalidParameter } from '../../../core/errors'
import { keyRefFromAws } from '../arn'
import { awsAction, list, params, str, type JsonObject } from '../action'
import { tagsJson } from './keys'
import { pageOfList } from './paging'
import { alibaba } from './via'

function keyId(body: JsonObject): string | undefined {
  const v = str(body, 'KeyId')
  return v === undefined ? undefined : keyRefFromAws(v)
}

export const TagResource = awsAction({
  service: 'kms',
  name: 'TagResource',
  via: alibaba('TagResource'),
  request: (body) => params({ KeyId: keyId(body), Tags: tagsJson(body) }),
  response: () => ({}),
})

export const UntagResource = awsAction({
  service: 'kms',
  name: 'UntagResource',
  via: alibaba('UntagResource'),
  request(body) {
    const keys = list(body, 'TagKeys')
    if (keys?.some((k) => typeof k !== 'string')) throw invalidParameter('TagKeys', 'must be a list of strings.')
    return params({ KeyId: keyId(body), TagKeys: keys === undefined ? undefined : JSON.stringify(keys) })
  },
  response: () => ({}),
})

export const ListResourceTags = awsAction({
  service: 'kms',
  name: 'ListResourceTags',
  via: alibaba('ListResourceTags'),
  request(body) {
    pageOfList([], body)
    return params({ KeyId: keyId(body) })
  },
  response(out, _call, body) {
    const tags = ((out.Tags as { Tag?: Array<{ TagKey: string; TagValue: string }> })?.Tag ?? []).map((t) => ({
      TagKey: t.TagKey,
      TagValue: t.TagValue,
    }))
    const { page, ...more } = pageOfList(tags, body, 50)
    return { Tags: page, ...more }
  },
})
