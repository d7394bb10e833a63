/**
 * @module functions/alibaba/actions/secrets/batch-get-secret-value — BatchGetSecretValue: each
 * secret read as GetSecretValue would; one no longer under the CMK authorised is an error entry.
 */
import { zeroize } from '../../../../core/crypto/bytes'
import { batchGetSecretValue } from '../../../../core/domain/secrets/get-secret-value'
import { isUnderAuthorisedKey, keyChangedSinceAuthorised } from '../../../../core/domain/targets'
import { KmsError, missingParameter } from '../../../../core/errors'
import { action } from '../../action'
import { alibabaError } from '../../errors'
import { optionalJson } from '../../fields'
import { secretsList, secretValueBody } from './shape'

export const BatchGetSecretValue = action({
  name: 'BatchGetSecretValue',
  params: { SecretsList: optionalJson(() => secretsList) },
  permission: {
    checks: [
      { action: 'kms:GetSecretValue', resource: { kind: 'secretList', param: 'SecretsList' } },
      { action: 'kms:Decrypt', resource: { kind: 'secretListKeys', param: 'SecretsList' } },
    ],
    readOnly: true,
    crossAccount: false,
  },
  handler: async ({ deps, caller, targets }, { SecretsList }) => {
    if (!SecretsList) throw missingParameter('SecretsList')
    const results = await batchGetSecretValue(deps, caller, SecretsList)
    const SecretValues: Record<string, unknown>[] = []
    const Errors: Record<string, unknown>[] = []
    const refuse = (secretName: string, error: KmsError) => {
      const wire = alibabaError(error.code)
      Errors.push({ SecretName: secretName, Code: wire.code, HttpStatus: wire.status, Message: error.message })
    }
    for (const r of results) {
      if (!('ok' in r)) refuse(r.secretName, r.error)
      else if (isUnderAuthorisedKey(targets, r.ok.secret)) SecretValues.push(secretValueBody(r.ok))
      else {
        zeroize(r.ok.value.bytes)
        refuse(r.ok.secret.secretName, keyChangedSinceAuthorised())
      }
    }
    return { SecretValues, Errors }
  },
})
