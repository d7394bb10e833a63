/**
 * @module core/domain/keys/data-key-pair
 *
 * GenerateDataKeyPair / GenerateDataKeyPairWithoutPlaintext (AWS KMS): a fresh asymmetric key
 * pair made outside any key record, its private key sealed under a symmetric CMK.
 *
 * - The pair: public key SubjectPublicKeyInfo DER, private key PKCS#8 DER. RSA, P-256, secp256k1
 *   and SM2 come from the asymmetric keys' own generator (./asymmetric/key-material.ts); P-384,
 *   P-521 and Ed25519, which no key spec of the core has, straight from WebCrypto's generator and
 *   exporter (PKCS#8 / SPKI as WebCrypto encodes them, RFC 5915 / RFC 8410).
 * - The private key is sealed by `encrypt` (./symmetric-crypto.ts): the same envelope as Encrypt
 *   and GenerateDataKey, so Decrypt of the blob with the same encryption context returns the
 *   PKCS#8 bytes.
 * - The CMK is checked before any work, as GenerateDataKey checks it: found (key.notFound),
 *   symmetric ENCRYPT/DECRYPT (anything else key.invalidUsage), not a service key, not in an
 *   external key store (AWS: "You cannot use … a KMS key in a custom key store":
 *   key.unsupportedOperation), and in a state the GenerateDataKey row of the key-state table
 *   allows (Enabled only). DryRun stops after those checks.
 * - `withoutPlaintext`: the private key is zeroised here and not returned. Otherwise the caller
 *   owns `privateKey` and must zeroise it once encoded.
 */
import { zeroize } from '../../crypto/bytes'
import { KmsError, invalidParameter, missingParameter } from '../../errors'
import type { Caller, KeyRecord } from '../model'
import type { HsmDeps, KeyDeps } from '../ports'
import { generateKeyPair, type AsymmetricKeyPair } from './asymmetric/key-material'
import { ASYMMETRIC_SPECS, type AsymmetricSpec } from './asymmetric/specs'
import { assertKeyState, resolveKey, type KeyRef } from './common'
import { isExternalKey, type ExternalDeps } from './external/external-keys'
import { encrypt } from './symmetric-crypto'

/** AWS's `DataKeyPairSpec` values, in AWS's order. */
export const DATA_KEY_PAIR_SPECS = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SM2',
  'ECC_NIST_EDWARDS25519',
] as const
export type DataKeyPairSpec = (typeof DATA_KEY_PAIR_SPECS)[number]

type WebCryptoAlgorithm = { name: 'ECDSA'; namedCurve: 'P-384' | 'P-521' } | { name: 'Ed25519' }

/** How each spec is generated: the core's asymmetric spec, or a WebCrypto algorithm. */
const GENERATION: Readonly<Record<DataKeyPairSpec, AsymmetricSpec | WebCryptoAlgorithm>> = {
  RSA_2048: ASYMMETRIC_SPECS.RSA_2048!,
  RSA_3072: ASYMMETRIC_SPECS.RSA_3072!,
  RSA_4096: ASYMMETRIC_SPECS.RSA_4096!,
  ECC_NIST_P256: ASYMMETRIC_SPECS.EC_P256!,
  ECC_NIST_P384: { name: 'ECDSA', namedCurve: 'P-384' },
  ECC_NIST_P521: { name: 'ECDSA', namedCurve: 'P-521' },
  ECC_SECG_P256K1: ASYMMETRIC_SPECS.EC_P256K!,
  SM2: ASYMMETRIC_SPECS.EC_SM2!,
  ECC_NIST_EDWARDS25519: { name: 'Ed25519' },
}

/**
 * The spec named by `value`.
 * @throws KmsError validation.missingParameter / validation.invalidParameter (KeyPairSpec)
 */
export function parseDataKeyPairSpec(value: string | undefined): DataKeyPairSpec {
  if (value === undefined || value === '') throw missingParameter('KeyPairSpec')
  if (!(DATA_KEY_PAIR_SPECS as readonly string[]).includes(value)) {
    throw invalidParameter('KeyPairSpec', `must be one of ${DATA_KEY_PAIR_SPECS.join(', ')}.`)
  }
  return value as DataKeyPairSpec
}

async function webCryptoPair(algorithm: WebCryptoAlgorithm): Promise<AsymmetricKeyPair> {
  const pair = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as { privateKey: CryptoKey; publicKey: CryptoKey }
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer)
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer)
  return { pkcs8, spki }
}

/** A fresh key pair of `spec`; the caller must zeroise `pkcs8`. */
export function generateDataKeyPairMaterial(spec: DataKeyPairSpec, random: KeyDeps['random']): Promise<AsymmetricKeyPair> {
  const how = GENERATION[spec]
  return 'kind' in how ? generateKeyPair(how, random) : webCryptoPair(how)
}

export interface DataKeyPairOutput {
  /** The symmetric CMK that sealed the private key. */
  key: KeyRecord
  versionId: string
  keyPairSpec: DataKeyPairSpec
  /** SubjectPublicKeyInfo DER. */
  publicKey: Uint8Array
  /** PKCS#8 DER, absent `withoutPlaintext`; the caller must zeroise it. */
  privateKey?: Uint8Array
  /** The private key sealed under the CMK's primary version with the context (base64). */
  privateKeyCiphertextBlob: string
}

function assertPairKey(key: KeyRecord): void {
  if (key.keyUsage !== 'ENCRYPT/DECRYPT' || !key.keySpec.startsWith('Aliyun_')) {
    throw new KmsError('key.invalidUsage', 'A data key pair can only be encrypted under a symmetric encryption key.')
  }
  if (key.creatorType === 'Service') {
    throw new KmsError('key.serviceManaged', 'A service key can only be used by its service.')
  }
  if (isExternalKey(key)) {
    throw new KmsError('key.unsupportedOperation', 'A data key pair cannot be encrypted under a key in an external key store.')
  }
}

/**
 * @throws KmsError validation.* (KeyPairSpec), key.* (see the module comment),
 *   dryRun.wouldSucceed
 */
export async function generateDataKeyPair(
  deps: KeyDeps & HsmDeps & ExternalDeps,
  caller: Caller,
  input: {
    keyId: KeyRef
    keyPairSpec: string | undefined
    context: Record<string, string>
    dryRun?: boolean
    withoutPlaintext?: boolean
  },
): Promise<DataKeyPairOutput> {
  const keyPairSpec = parseDataKeyPairSpec(input.keyPairSpec)
  const key = await resolveKey(deps, caller, input.keyId)
  assertPairKey(key)
  assertKeyState(input.withoutPlaintext ? 'GenerateDataKeyWithoutPlaintext' : 'GenerateDataKey', key)
  if (input.dryRun) throw new KmsError('dryRun.wouldSucceed', 'Request would have succeeded, but the DryRun flag is set.')
  const pair = await generateDataKeyPairMaterial(keyPairSpec, deps.random)
  try {
    // The key as resolved above (by id, in its own account), never through an alias again.
    const target = { keyId: key.keyId, accountId: key.accountId, region: key.region }
    const sealed = await encrypt(deps, caller, { keyId: target, plaintext: pair.pkcs8, context: input.context })
    const out: DataKeyPairOutput = {
      key: sealed.key,
      versionId: sealed.versionId,
      keyPairSpec,
      publicKey: pair.spki,
      privateKeyCiphertextBlob: sealed.ciphertextBlob,
    }
    if (!input.withoutPlaintext) out.privateKey = pair.pkcs8
    return out
  } catch (err) {
    zeroize(pair.pkcs8)
    throw err
  } finally {
    if (input.withoutPlaintext) zeroize(pair.pkcs8)
  }
}
