/**
 * @module functions/aws/kms/aliases
 *
 * TrentService CreateAlias, UpdateAlias (`TargetKeyId`), DeleteAlias over the Alibaba
 * descriptors (same permissions: the alias, and the key it points at), and ListAliases with its
 * own descriptor: AWS authorises `kms:ListAliases` on the account whether or not `KeyId` filters
 * the list (Alibaba's ListAliasesByKeyId checks the key instead). `AliasArn` is in AWS form.
 */
import { listAliases, listAliasesByKeyId } from '../../../core/domain/keys/aliases'
import { action } from '../../alibaba/action'
import { OPTIONAL_KEY_ID } from '../../alibaba/fields'
import { on } from '../../alibaba/permission'
import { keyRefFromAws } from '../arn'
import { awsAction, compact, epochSeconds, params, str, type JsonObject } from '../action'
import { pageOfList } from './paging'
import { alibaba } from './via'

function keyRef(body: JsonObject, field: string): string | undefined {
  const v = str(body, field)
  return v === undefined ? undefined : keyRefFromAws(v)
}

function aliasWrite(name: 'CreateAlias' | 'UpdateAlias') {
  return awsAction({
    service: 'kms',
    name,
    via: alibaba(name),
    request: (body) => params({ AliasName: str(body, 'AliasName'), KeyId: keyRef(body, 'TargetKeyId') }),
    response: () => ({}),
  })
}

export const CreateAlias = aliasWrite('CreateAlias')
export const UpdateAlias = aliasWrite('UpdateAlias')

export const DeleteAlias = awsAction({
  service: 'kms',
  name: 'DeleteAlias',
  via: alibaba('DeleteAlias'),
  request: (body) => params({ AliasName: str(body, 'AliasName') }),
  response: () => ({}),
})

/** kms:ListAliases on `acs:kms:<region>:<account>:alias`; `KeyId` (id or key ARN) filters. */
export const ListAliasesDescriptor = action({
  name: 'ListAliases',
  params: { KeyId: OPTIONAL_KEY_ID },
  permission: on({ kind: 'collection', name: 'alias' }, true),
  handler: async ({ deps, caller }, { KeyId }) => {
    const aliases = KeyId === undefined ? await listAliases(deps, caller) : await listAliasesByKeyId(deps, caller, KeyId)
    return {
      Aliases: aliases.map((a) => ({
        AliasName: a.aliasName,
        KeyId: a.keyId,
        Region: a.region,
        AccountId: a.accountId,
        CreatedAt: a.createdAt,
      })),
    }
  },
})

export const ListAliases = awsAction({
  service: 'kms',
  name: 'ListAliases',
  via: ListAliasesDescriptor,
  request(body) {
    pageOfList([], body) // Limit and Marker are refused before the call, as other bad input
    return params({ KeyId: keyRef(body, 'KeyId') })
  },
  response(out, _call, body) {
    const rows = (out.Aliases as Array<Record<string, string>>).map((a) =>
      compact({
        AliasName: a.AliasName,
        AliasArn: `arn:aws:kms:${a.Region}:${a.AccountId}:${a.AliasName}`,
        TargetKeyId: a.KeyId,
        CreationDate: epochSeconds(a.CreatedAt),
        LastUpdatedDate: epochSeconds(a.CreatedAt),
      }),
    )
    const { page, ...more } = pageOfList(rows, body)
    return { Aliases: page, ...more }
  },
})
