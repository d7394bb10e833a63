/**
 * @module functions/aws/kms/signing
 *
 * TrentService Sign, Verify and GetPublicKey over the asymmetric descriptors, on the key's
 * primary version (AWS has no version parameter; Alibaba's actions require `KeyVersionId`): each
 * runs through a descriptor of its own that keeps the Alibaba action's name and permission
 * (kms:AsymmetricSign / kms:AsymmetricVerify / kms:GetPublicKey on the key, cross-account like
 * every key use), resolves the primary version of the authorised key, then calls the Alibaba
 * handler. `MessageType=RAW` (the default) is hashed here with the algorithm's hash (SHA-256;
 * at most 4096 bytes, AWS's limit); `DIGEST` is the 32-byte digest itself. SM2DSA signs
 * SM3(Z_A ‖ M), which needs the public key: only `DIGEST` is accepted for it. Signing algorithm
 * names map one-to-one (below); the SHA-384/512 variants are not offered by the core. A
 * signature that does not verify is KMSInvalidSignatureException, as AWS answers it.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { fromBase64, toBase64 } from '../../../core/crypto/bytes'
import { resolveKey } from '../../../core/domain/keys/common'
import { keyTarget } from '../../../core/domain/targets'
import { KmsError, invalidParameter } from '../../../core/errors'
import { action, type ActionDescriptor, type Schema } from '../../alibaba/action'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, bool, params, str, type JsonObject } from '../action'
import { awsKeyMetadata, fromAws } from './names'
import { alibaba } from './via'

/** AWS SigningAlgorithm → the core's. */
export const SIGNING_ALGORITHMS: Readonly<Record<string, string>> = {
  RSASSA_PSS_SHA_256: 'RSA_PSS_SHA_256',
  RSASSA_PKCS1_V1_5_SHA_256: 'RSA_PKCS1_SHA_256',
  ECDSA_SHA_256: 'ECDSA_SHA_256',
  SM2DSA: 'SM2DSA',
}

const MAX_RAW_MESSAGE_BYTES = 4096
const MESSAGE_TYPES = new Set(['RAW', 'DIGEST'])

/** A descriptor running the Alibaba action `name` on the authorised key's primary version. */
function onPrimaryVersion(name: 'AsymmetricSign' | 'AsymmetricVerify' | 'GetPublicKey'): ActionDescriptor {
  const base = alibaba(name)
  const rest = Object.fromEntries(Object.entries(base.params).filter(([p]) => p !== 'KeyVersionId')) as Schema
  return action({
    name,
    params: rest,
    permission: base.permission,
    handler: async (ctx, input) => {
      const key = await resolveKey(ctx.deps, ctx.caller, keyTarget(ctx.targets))
      const out = await base.handler(ctx, { ...input, KeyVersionId: key.primaryVersionId })
      return { ...out, KeySpec: key.keySpec, KeyUsage: key.keyUsage }
    },
  })
}

export const SignDescriptor = onPrimaryVersion('AsymmetricSign')
export const VerifyDescriptor = onPrimaryVersion('AsymmetricVerify')
export const GetPublicKeyDescriptor = onPrimaryVersion('GetPublicKey')

function keyId(body: JsonObject): string | undefined {
  const v = str(body, 'KeyId')
  return v === undefined ? undefined : keyRefFromAws(v)
}

/** `Message` + `MessageType` → the digest the core signs, as base64. */
function digestOf(body: JsonObject, algorithm: string | undefined): string | undefined {
  const type = str(body, 'MessageType') ?? 'RAW'
  if (!MESSAGE_TYPES.has(type)) throw invalidParameter('MessageType', 'must be RAW or DIGEST.')
  const message = str(body, 'Message')
  if (message === undefined || type === 'DIGEST') return message
  const bytes = fromBase64(message)
  if (!bytes) throw invalidParameter('Message', 'must be base64.')
  if (bytes.length < 1 || bytes.length > MAX_RAW_MESSAGE_BYTES)
    throw invalidParameter('Message', `must be 1 to ${MAX_RAW_MESSAGE_BYTES} bytes with MessageType RAW.`)
  if (algorithm === 'SM2DSA')
    throw new KmsError('key.unsupportedOperation', 'SM2DSA signs SM3(Z_A ‖ M) here: send that digest with MessageType DIGEST.')
  return toBase64(sha256(bytes))
}

function signRequest(body: JsonObject): Record<string, string | undefined> {
  const algorithm = str(body, 'SigningAlgorithm')
  return {
    KeyId: keyId(body),
    Algorithm: fromAws(SIGNING_ALGORITHMS, 'SigningAlgorithm', algorithm),
    Digest: digestOf(body, algorithm),
    DryRun: bool(body, 'DryRun') === undefined ? undefined : String(bool(body, 'DryRun')),
  }
}

export const Sign = awsAction({
  service: 'kms',
  name: 'Sign',
  via: SignDescriptor,
  request: (body) => params(signRequest(body)),
  response: (out, call, body) => ({
    KeyId: awsKeyArn(call.region, call.accountId, String(out.KeyId)),
    Signature: String(out.Value),
    SigningAlgorithm: String(str(body, 'SigningAlgorithm')),
  }),
})

export const Verify = awsAction({
  service: 'kms',
  name: 'Verify',
  via: VerifyDescriptor,
  request: (body) => params({ ...signRequest(body), Value: str(body, 'Signature') }),
  response(out, call, body) {
    if (out.Value !== true) throw new KmsError('crypto.invalidSignature', 'The signature did not verify.')
    return {
      KeyId: awsKeyArn(call.region, call.accountId, String(out.KeyId)),
      SignatureValid: true,
      SigningAlgorithm: String(str(body, 'SigningAlgorithm')),
    }
  },
})

/** PEM → base64 of the DER it carries (AWS's `PublicKey` blob). */
function derBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '')
}

export const GetPublicKey = awsAction({
  service: 'kms',
  name: 'GetPublicKey',
  via: GetPublicKeyDescriptor,
  request: (body) => params({ KeyId: keyId(body) }),
  response(out, call) {
    const meta = awsKeyMetadata(
      { KeyId: String(out.KeyId), KeySpec: String(out.KeySpec), KeyUsage: String(out.KeyUsage), KeyState: 'Enabled' },
      call.region,
      call.accountId,
    )
    return {
      KeyId: meta.Arn!,
      PublicKey: derBase64(String(out.PublicKey)),
      KeySpec: meta.KeySpec!,
      CustomerMasterKeySpec: meta.KeySpec!,
      KeyUsage: meta.KeyUsage!,
      ...(meta.SigningAlgorithms ? { SigningAlgorithms: meta.SigningAlgorithms } : {}),
      ...(meta.EncryptionAlgorithms ? { EncryptionAlgorithms: meta.EncryptionAlgorithms } : {}),
    }
  },
})
