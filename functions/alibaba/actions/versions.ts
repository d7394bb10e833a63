/**
 * @module functions/alibaba/actions/versions
 *
 * ListKeyVersions, DescribeKeyVersion, UpdateRotationPolicy, CreateKeyVersion.
 */
import { keyArn } from '../../../core/domain/keys/common'
import { describeKeyVersion, listKeyVersions, updateRotationPolicy } from '../../../core/domain/keys/key-versions'
import { createKeyVersion } from '../../../core/domain/keys/asymmetric/create-key-version'
import { pageParams, type ActionHandler } from '../context'
import { paged } from '../shape'

export const ListKeyVersions: ActionHandler = async ({ deps, caller, params }) => {
  const page = pageParams(params)
  const { key, versions } = await listKeyVersions(deps, caller, params.string('KeyId', { max: 512 }))
  const { items, totalCount } = paged(versions, page)
  return {
    KeyVersions: {
      KeyVersion: items.map((v) => ({ KeyId: key.keyId, KeyVersionId: v.versionId, CreationDate: v.createdAt })),
    },
    TotalCount: totalCount,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
  }
}

export const DescribeKeyVersion: ActionHandler = async ({ deps, caller, params }) => {
  const { key, version } = await describeKeyVersion(
    deps,
    caller,
    params.string('KeyId', { max: 512 }),
    params.string('KeyVersionId', { max: 128 }),
  )
  return { KeyVersion: { KeyId: key.keyId, KeyVersionId: version.versionId, CreationDate: version.createdAt, KeyArn: keyArn(key) } }
}

export const UpdateRotationPolicy: ActionHandler = async ({ deps, caller, params }) => {
  await updateRotationPolicy(
    deps,
    caller,
    params.string('KeyId', { max: 512 }),
    params.boolean('EnableAutomaticRotation'),
    params.optionalString('RotationInterval', { max: 32 }),
  )
  return {}
}

export const CreateKeyVersion: ActionHandler = async ({ deps, caller, params }) => {
  const { key, version } = await createKeyVersion(deps, caller, params.string('KeyId', { max: 512 }))
  return { KeyVersion: { KeyId: key.keyId, KeyVersionId: version.versionId, CreationDate: version.createdAt } }
}
