/**
 * @module functions/aws/kms/data-key-pairs
 *
 * TrentService GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext. Alibaba's OpenAPI has
 * no such action (only the KMS Instance API's protobuf gateway does), so each gets its own
 * descriptor here, authorised as `kms:GenerateDataKeyPair` / `kms:GenerateDataKeyPairWithoutPlaintext`
 * on the key, with the request's encryption context for `kms:EncryptionContext:*` conditions and
 * the key owner's policy for another account's key — as GenerateDataKey is.
 *
 * The core (core/domain/keys/data-key-pair.ts) makes the pair and seals the PKCS#8 private key
 * under the symmetric CMK through Encrypt's envelope, so `Decrypt` of `PrivateKeyCiphertextBlob`
 * returns it. The plaintext private key is zeroised once base64-encoded. `GrantTokens` is
 * type-checked and otherwise ignored; `Recipient` (Nitro Enclaves) is refused as GenerateDataKey
 * refuses it.
 */
import { toBase64, zeroize } from '../../../core/crypto/bytes'
import { generateDataKeyPair } from '../../../core/domain/keys/data-key-pair'
import { keyTarget } from '../../../core/domain/targets'
import { KmsError, invalidParameter } from '../../../core/errors'
import { action, type ActionDescriptor } from '../../alibaba/action'
import { encryptionContext, KEY_ID, optionalBool, text } from '../../alibaba/fields'
import { keyUse } from '../../alibaba/permission'
import { withExternal } from '../../alibaba/actions/key-stores/external'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, bool, list, params, str, stringMap, type AwsAction, type JsonObject } from '../action'

const PARAMS = {
  KeyId: KEY_ID,
  KeyPairSpec: text({ max: 32 }),
  EncryptionContext: encryptionContext(),
  DryRun: optionalBool(),
}

function pairDescriptor(name: string, withoutPlaintext: boolean): ActionDescriptor<typeof PARAMS> {
  return action({
    name,
    params: PARAMS,
    permission: keyUse(),
    handler: async ({ deps, caller, env, targets }, input) => {
      const out = await generateDataKeyPair(withExternal(deps, env), caller, {
        keyId: keyTarget(targets),
        keyPairSpec: input.KeyPairSpec,
        context: input.EncryptionContext,
        dryRun: input.DryRun,
        withoutPlaintext,
      })
      const body: Record<string, unknown> = {
        KeyId: out.key.keyId,
        KeyVersionId: out.versionId,
        KeyPairSpec: out.keyPairSpec,
        PublicKey: toBase64(out.publicKey),
        PrivateKeyCiphertextBlob: out.privateKeyCiphertextBlob,
      }
      if (out.privateKey) {
        body.PrivateKeyPlaintext = toBase64(out.privateKey)
        zeroize(out.privateKey)
      }
      return body
    },
  })
}

export const GenerateDataKeyPairDescriptor = pairDescriptor('GenerateDataKeyPair', false)
export const GenerateDataKeyPairWithoutPlaintextDescriptor = pairDescriptor('GenerateDataKeyPairWithoutPlaintext', true)

/** AWS: at most 10 grant tokens of 1–8192 characters each. */
function checkGrantTokens(body: JsonObject): void {
  const tokens = list(body, 'GrantTokens')
  if (tokens === undefined) return
  if (tokens.length > 10) throw invalidParameter('GrantTokens', 'must have at most 10 members.')
  if (tokens.some((t) => typeof t !== 'string' || t.length < 1 || t.length > 8192)) {
    throw invalidParameter('GrantTokens', 'must be a list of strings of 1 to 8192 characters.')
  }
}

function pairRequest(body: JsonObject): Record<string, string> {
  if (body.Recipient !== undefined && body.Recipient !== null)
    throw new KmsError('key.unsupportedOperation', 'Recipient (Nitro Enclaves attestation) is not supported by this service.')
  checkGrantTokens(body)
  const keyId = str(body, 'KeyId')
  return params({
    KeyId: keyId !== undefined ? keyRefFromAws(keyId) : undefined,
    KeyPairSpec: str(body, 'KeyPairSpec'),
    EncryptionContext: stringMap(body, 'EncryptionContext'),
    DryRun: bool(body, 'DryRun'),
  })
}

function pairAction(via: ActionDescriptor, withoutPlaintext: boolean): AwsAction {
  return awsAction({
    service: 'kms',
    name: via.name,
    via,
    request: pairRequest,
    response(out, call) {
      const body: JsonObject = {
        KeyId: awsKeyArn(call.region, call.accountId, String(out.KeyId)),
        KeyPairSpec: String(out.KeyPairSpec),
        PublicKey: String(out.PublicKey),
        PrivateKeyCiphertextBlob: String(out.PrivateKeyCiphertextBlob),
      }
      if (!withoutPlaintext) body.PrivateKeyPlaintext = String(out.PrivateKeyPlaintext)
      return body
    },
  })
}

export const GenerateDataKeyPair = pairAction(GenerateDataKeyPairDescriptor, false)
export const GenerateDataKeyPairWithoutPlaintext = pairAction(GenerateDataKeyPairWithoutPlaintextDescriptor, true)
