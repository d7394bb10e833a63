/** @module functions/alibaba/actions/asymmetric/get-public-key — GetPublicKey: one key version's public key, as PEM. */
import { getPublicKey } from '../../../../core/domain/keys/asymmetric/get-public-key'
import { keyTarget } from '../../../../core/domain/targets'
import { action } from '../../action'
import { optionalBool } from '../../fields'
import { keyUse } from '../../permission'
import { KEY_AND_VERSION } from './fields'

export const GetPublicKey = action({
  name: 'GetPublicKey',
  params: { ...KEY_AND_VERSION, DryRun: optionalBool() },
  permission: keyUse(),
  handler: async ({ deps, caller, targets }, input) => {
    const out = await getPublicKey(deps, caller, { keyId: keyTarget(targets), versionId: input.KeyVersionId, dryRun: input.DryRun })
    return { KeyId: out.key.keyId, KeyVersionId: out.versionId, PublicKey: out.pem }
  },
})
