/**
 * @module functions/alibaba/actions/secrets/get-secret-value — GetSecretValue (also another
 * account's secret, by policy), refused when the secret is no longer under the CMK authorised.
 */
import { zeroize } from '../../../../core/crypto/bytes'
import { getSecretValue } from '../../../../core/domain/secrets/get-secret-value'
import { isUnderAuthorisedKey, keyChangedSinceAuthorised } from '../../../../core/domain/targets'
import { action } from '../../action'
import { optionalBool } from '../../fields'
import { SECRET, SECRET_KEY } from '../../permission'
import { NAME, OPTIONAL_VERSION_ID, rotationFields, secretValueBody, withoutUndefined } from './shape'

export const GetSecretValue = action({
  name: 'GetSecretValue',
  params: {
    FetchExtendedConfig: optionalBool(),
    SecretName: NAME,
    VersionId: OPTIONAL_VERSION_ID,
    VersionStage: OPTIONAL_VERSION_ID,
    DryRun: optionalBool(),
  },
  permission: { checks: [{ resource: SECRET }, { action: 'kms:Decrypt', resource: SECRET_KEY }], readOnly: true, crossAccount: true },
  handler: async ({ deps, caller, targets }, input) => {
    // Read where the secret lives: the caller's account, or the owner's for cross-account use.
    const out = await getSecretValue(
      deps,
      { accountId: targets.accountId, region: caller.region },
      {
        secretName: input.SecretName,
        versionId: input.VersionId,
        versionStage: input.VersionStage,
        dryRun: input.DryRun,
      },
    )
    if (!isUnderAuthorisedKey(targets, out.secret)) {
      zeroize(out.value.bytes)
      throw keyChangedSinceAuthorised()
    }
    const { AutomaticRotation, RotationInterval, NextRotationDate, LastRotationDate, ExtendedConfig } = rotationFields(
      out.secret,
      input.FetchExtendedConfig ?? false,
    )
    return withoutUndefined({
      ...secretValueBody(out),
      AutomaticRotation,
      RotationInterval,
      NextRotationDate,
      LastRotationDate,
      ExtendedConfig,
    })
  },
})
