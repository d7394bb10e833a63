/**
 * @module functions/aws/kms/random
 *
 * TrentService GenerateRandom: its own descriptor (no Alibaba counterpart), kms:GenerateRandom
 * on the service (`acs:kms:<region>:<account>:*`), read-only. 1 to 1024 bytes from the
 * service's random source; the bytes are zeroised once encoded. `CustomKeyStoreId` and
 * `Recipient` (CloudHSM, Nitro Enclaves) are not supported.
 */
import { toBase64, zeroize } from '../../../core/crypto/bytes'
import { KmsError } from '../../../core/errors'
import { action } from '../../alibaba/action'
import { int } from '../../alibaba/fields'
import { on } from '../../alibaba/permission'
import { awsAction, num, params, str } from '../action'

export const GenerateRandomDescriptor = action({
  name: 'GenerateRandom',
  params: { NumberOfBytes: int(1, 1024) },
  permission: on({ kind: 'service' }, true),
  handler: async ({ deps }, { NumberOfBytes }) => {
    const bytes = deps.random(NumberOfBytes)
    try {
      return { Plaintext: toBase64(bytes) }
    } finally {
      zeroize(bytes)
    }
  },
})

export const GenerateRandom = awsAction({
  service: 'kms',
  name: 'GenerateRandom',
  via: GenerateRandomDescriptor,
  request(body) {
    if (str(body, 'CustomKeyStoreId') !== undefined || body.Recipient !== undefined) {
      throw new KmsError(
        'key.unsupportedOperation',
        'GenerateRandom from a custom key store or for a Recipient is not supported by this service.',
      )
    }
    return params({ NumberOfBytes: num(body, 'NumberOfBytes') })
  },
  response: (out) => ({ Plaintext: String(out.Plaintext) }),
})
