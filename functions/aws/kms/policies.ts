/**
 * @module functions/aws/kms/policies
 *
 * TrentService key policies: GetKeyPolicy → GetKeyPolicy, PutKeyPolicy → SetKeyPolicy
 * (kms:GetKeyPolicy / kms:SetKeyPolicy on the key), ListKeyPolicies with its own descriptor
 * (kms:ListKeyPolicies on the key): a key has exactly one policy, `default`. The document is
 * this service's policy language (RAM syntax, `acs:` ARNs, docs/access-control.md), not IAM's:
 * a document in AWS's syntax is a MalformedPolicyDocumentException.
 */
import { resolveKey } from '../../../core/domain/keys/common'
import { keyTarget } from '../../../core/domain/targets'
import { action } from '../../alibaba/action'
import { KEY_ID } from '../../alibaba/fields'
import { KEY, on } from '../../alibaba/permission'
import { keyRefFromAws } from '../arn'
import { awsAction, bool, params, str, type JsonObject } from '../action'
import { pageOfList } from './paging'
import { alibaba } from './via'

function keyId(body: JsonObject): string | undefined {
  const v = str(body, 'KeyId')
  return v === undefined ? undefined : keyRefFromAws(v)
}

export const GetKeyPolicy = awsAction({
  service: 'kms',
  name: 'GetKeyPolicy',
  via: alibaba('GetKeyPolicy'),
  request: (body) => params({ KeyId: keyId(body), PolicyName: str(body, 'PolicyName') }),
  response: (out) => ({ Policy: String(out.Policy), PolicyName: 'default' }),
})

export const PutKeyPolicy = awsAction({
  service: 'kms',
  name: 'PutKeyPolicy',
  via: alibaba('SetKeyPolicy'),
  request(body) {
    bool(body, 'BypassPolicyLockoutSafetyCheck') // type-checked; the lockout check always applies here
    return params({ KeyId: keyId(body), PolicyName: str(body, 'PolicyName') ?? 'default', Policy: str(body, 'Policy') })
  },
  response: () => ({}),
})

/** kms:ListKeyPolicies on the key: `["default"]` for a key that exists. */
export const ListKeyPoliciesDescriptor = action({
  name: 'ListKeyPolicies',
  params: { KeyId: KEY_ID },
  permission: on(KEY, true),
  handler: async ({ deps, caller, targets }) => {
    const key = await resolveKey(deps, caller, keyTarget(targets))
    return { KeyId: key.keyId, PolicyNames: ['default'] }
  },
})

export const ListKeyPolicies = awsAction({
  service: 'kms',
  name: 'ListKeyPolicies',
  via: ListKeyPoliciesDescriptor,
  request(body) {
    pageOfList([], body)
    return params({ KeyId: keyId(body) })
  },
  response: (_out, _call, body) => {
    const { page, ...more } = pageOfList(['default'], body)
    return { PolicyNames: page, ...more }
  },
})
