/**
 * @module functions/alibaba/actions/secrets/put-secret-value — PutSecretValue. Only a caller who
 * may also read the secret (probe: kms:GetSecretValue on it, kms:Decrypt on its customer CMK)
 * learns, on a retry with an existing VersionId, whether its value equals the stored one.
 */
import { putSecretValue } from '../../../../core/domain/secrets/put-secret-value'
import { isUnderAuthorisedKey } from '../../../../core/domain/targets'
import { action } from '../../action'
import { optionalJson, optionalText } from '../../fields'
import { stringList } from '../../params'
import { SECRET, SECRET_KEY } from '../../permission'
import { NAME, SECRET_DATA, VERSION_ID } from './shape'

/** The probe: may the caller read the secret? (`targets.probes`) */
const READABLE = 'secretReadable'

export const PutSecretValue = action({
  name: 'PutSecretValue',
  params: {
    SecretName: NAME,
    VersionId: VERSION_ID,
    SecretData: SECRET_DATA,
    SecretDataType: optionalText({ max: 16 }),
    VersionStages: optionalJson((name) => stringList(name, 20)),
  },
  permission: {
    checks: [
      { resource: SECRET },
      { action: 'kms:GenerateDataKey', resource: SECRET_KEY },
      { action: 'kms:GetSecretValue', resource: SECRET, probe: READABLE },
      { action: 'kms:Decrypt', resource: SECRET_KEY, probe: READABLE },
    ],
    readOnly: false,
    crossAccount: false,
  },
  handler: async ({ deps, caller, targets }, input) => {
    const out = await putSecretValue(deps, caller, {
      secretName: input.SecretName,
      versionId: input.VersionId,
      secretData: input.SecretData,
      secretDataType: input.SecretDataType,
      versionStages: input.VersionStages,
      // Decided by authorisation only; absent means "may not read".
      callerCanRead: targets.probes[READABLE] === true,
      keyAuthorised: (secret) => isUnderAuthorisedKey(targets, secret),
    })
    return { SecretName: out.secret.secretName, VersionId: out.versionId, VersionStages: { VersionStage: out.stages } }
  },
})
