/**
 * @module functions/aws/secrets/metadata
 *
 * Secrets Manager operations on a secret's metadata and life: DescribeSecret, ListSecrets,
 * ListSecretVersionIds, DeleteSecret, RestoreSecret, TagResource, UntagResource.
 *
 * DescribeSecret and ListSecrets are authorised as their Alibaba actions and make the same core
 * call, but keep the whole record (AWS shows the CMK, the stage map, tags and dates). ListSecrets
 * filters as AWS does (`name`, `description`, `tag-key`, `tag-value`: prefix match, `!` negates;
 * `all`: any of them), leaves out secrets pending deletion unless `IncludePlannedDeletion`, and
 * pages with `NextToken` = the next page number.
 */
import { describeSecret } from '../../../core/domain/secrets/describe-secret'
import { listSecrets } from '../../../core/domain/secrets/list-secrets'
import type { SecretRecord } from '../../../core/domain/secrets/model'
import { invalidParameter, missingParameter } from '../../../core/errors'
import { awsAction, bool, compact, epochSeconds, list, num, params, str, type Json, type JsonObject } from '../action'
import {
  alibaba,
  arnOf,
  awsTags,
  keyArnOf,
  named,
  nextToken,
  pageOf,
  sameAuthorisation,
  secretId,
  stagesToAws,
  tagsJson,
  wrappedStages,
} from './shape'

/** Stage map → AWS's `{versionId: [labels]}` (versions without a label are not listed, as AWS). */
function versionIdsToStages(secret: SecretRecord): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const v of secret.versions) {
    const labels = Object.keys(secret.stages)
      .filter((l) => secret.stages[l] === v.versionId)
      .sort()
    if (labels.length > 0) out[v.versionId] = stagesToAws(labels)
  }
  return out
}

/** The metadata AWS shows of a secret (DescribeSecret, ListSecrets' `SecretList`). */
function awsSecret(secret: SecretRecord): Record<string, Json | undefined> {
  const rotation = secret.rotation
  return {
    ARN: arnOf(secret, secret.secretName),
    Name: secret.secretName,
    Description: secret.description || undefined,
    KmsKeyId: keyArnOf(secret),
    RotationEnabled: rotation?.enabled ?? false,
    LastRotatedDate: epochSeconds(rotation?.lastRotationDate),
    NextRotationDate: rotation?.enabled ? epochSeconds(rotation.nextRotationDate) : undefined,
    LastChangedDate: epochSeconds(secret.updatedAt),
    DeletedDate: secret.state === 'PendingDeletion' ? epochSeconds(secret.plannedDeleteTime) : undefined,
    Tags: awsTags(secret.tags),
    CreatedDate: epochSeconds(secret.createdAt),
  }
}

const alibabaDescribe = alibaba('DescribeSecret')

export const DescribeSecret = awsAction({
  service: 'secretsmanager',
  name: 'DescribeSecret',
  via: sameAuthorisation(alibabaDescribe, async ({ deps, caller }, input) => {
    const secret = await describeSecret(deps, caller, String(input.SecretName))
    return { SecretName: secret.secretName, secret }
  }),
  request: (body) => params({ SecretName: secretId(body) }),
  response(out) {
    const secret = out.secret as SecretRecord
    return compact({ ...awsSecret(secret), VersionIdsToStages: versionIdsToStages(secret) })
  },
})

type Filter = { key: string; values: string[] }
const FILTER_KEYS = new Set(['name', 'description', 'tag-key', 'tag-value', 'all'])

function filtersOf(body: JsonObject): Filter[] {
  const filters = list(body, 'Filters') ?? []
  if (filters.length > 10) throw invalidParameter('Filters', 'give at most 10 filters.')
  return filters.map((f) => {
    const filter = f as { Key?: Json; Values?: Json }
    const values = filter.Values
    if (typeof f !== 'object' || f === null || typeof filter.Key !== 'string' || !FILTER_KEYS.has(filter.Key)) {
      throw invalidParameter(
        'Filters',
        'each filter needs a Key of name, description, tag-key, tag-value or all (primary-region and owning-service are not supported).',
      )
    }
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.length > 10 ||
      values.some((v) => typeof v !== 'string' || v.length > 512)
    ) {
      throw invalidParameter('Filters', 'each filter needs 1 to 10 string Values.')
    }
    return { key: filter.Key, values: values as string[] }
  })
}

function fieldsOf(secret: SecretRecord, key: string): string[] {
  switch (key) {
    case 'name':
      return [secret.secretName]
    case 'description':
      return [secret.description]
    case 'tag-key':
      return Object.keys(secret.tags)
    case 'tag-value':
      return Object.values(secret.tags)
    default:
      return [secret.secretName, secret.description, ...Object.keys(secret.tags), ...Object.values(secret.tags)]
  }
}

/** AWS: values match by prefix; a value beginning with `!` matches what does not match the rest. */
function matches(secret: SecretRecord, filter: Filter): boolean {
  const fields = fieldsOf(secret, filter.key)
  return filter.values.some((v) =>
    v.startsWith('!') ? !fields.some((f) => f.startsWith(v.slice(1))) : fields.some((f) => f.startsWith(v)),
  )
}

const alibabaList = alibaba('ListSecrets')

export const ListSecrets = awsAction({
  service: 'secretsmanager',
  name: 'ListSecrets',
  via: sameAuthorisation(alibabaList, async ({ deps, caller }) => ({ secrets: await listSecrets(deps, caller, []) })),
  request(body) {
    // Read here so that a bad filter or token is refused before anything runs.
    filtersOf(body)
    pageOf(body)
    bool(body, 'IncludePlannedDeletion')
    const order = str(body, 'SortOrder')
    if (order !== undefined && order !== 'asc' && order !== 'desc') throw invalidParameter('SortOrder', 'must be asc or desc.')
    return {}
  },
  response(out, _call, body) {
    const filters = filtersOf(body)
    const { PageNumber, PageSize } = pageOf(body)
    const planned = bool(body, 'IncludePlannedDeletion') ?? false
    const all = (out.secrets as SecretRecord[])
      .filter((s) => planned || s.state !== 'PendingDeletion')
      .filter((s) => filters.every((f) => matches(s, f)))
    if (str(body, 'SortOrder') === 'desc') all.reverse()
    const page = all.slice((PageNumber - 1) * PageSize, PageNumber * PageSize)
    return {
      SecretList: page.map((s) => compact({ ...awsSecret(s), SecretVersionsToStages: versionIdsToStages(s) })),
      ...nextToken(PageNumber, PageSize, all.length),
    }
  },
})

export const ListSecretVersionIds = awsAction({
  service: 'secretsmanager',
  name: 'ListSecretVersionIds',
  via: alibaba('ListSecretVersionIds'),
  request: (body) => params({ SecretName: secretId(body), IncludeDeprecated: bool(body, 'IncludeDeprecated'), ...pageOf(body) }),
  response(out, call) {
    const versions = ((out.VersionIds as { VersionId?: Array<Record<string, unknown>> })?.VersionId ?? []).map((v) => ({
      VersionId: String(v.VersionId),
      VersionStages: wrappedStages(v.VersionStages),
      CreatedDate: epochSeconds(v.CreateTime) ?? 0,
    }))
    return {
      ...named(call, out.SecretName),
      Versions: versions,
      ...nextToken(Number(out.PageNumber), Number(out.PageSize), Number(out.TotalCount)),
    }
  },
})

export const DeleteSecret = awsAction({
  service: 'secretsmanager',
  name: 'DeleteSecret',
  via: alibaba('DeleteSecret'),
  request(body) {
    const days = num(body, 'RecoveryWindowInDays')
    const force = bool(body, 'ForceDeleteWithoutRecovery')
    if (force && days !== undefined) throw invalidParameter('RecoveryWindowInDays', 'conflicts with ForceDeleteWithoutRecovery.')
    if (days !== undefined && (days < 7 || days > 30)) throw invalidParameter('RecoveryWindowInDays', 'must be from 7 to 30.')
    return params({ SecretName: secretId(body), RecoveryWindowInDays: days, ForceDeleteWithoutRecovery: force })
  },
  response: (out, call) => ({
    ...named(call, out.SecretName),
    DeletionDate: epochSeconds(out.PlannedDeleteTime) ?? Math.floor(Date.now() / 1000),
  }),
})

export const RestoreSecret = awsAction({
  service: 'secretsmanager',
  name: 'RestoreSecret',
  via: alibaba('RestoreSecret'),
  request: (body) => params({ SecretName: secretId(body) }),
  response: (out, call) => named(call, out.SecretName),
})

export const TagResource = awsAction({
  service: 'secretsmanager',
  name: 'TagResource',
  via: alibaba('TagResource'),
  request(body) {
    const tags = tagsJson(body)
    if (tags === undefined) throw missingParameter('Tags')
    return params({ SecretName: secretId(body), Tags: tags })
  },
  response: () => ({}),
})

export const UntagResource = awsAction({
  service: 'secretsmanager',
  name: 'UntagResource',
  via: alibaba('UntagResource'),
  request(body) {
    const keys = list(body, 'TagKeys')
    if (keys === undefined) throw missingParameter('TagKeys')
    if (keys.some((k) => typeof k !== 'string')) throw invalidParameter('TagKeys', 'must be a list of strings.')
    return params({ SecretName: secretId(body), TagKeys: JSON.stringify(keys) })
  },
  response: () => ({}),
})
