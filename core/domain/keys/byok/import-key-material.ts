/**
 * @module core/domain/keys/byok/import-key-material
 *
 * ImportKeyMaterial: unwrap the customer's material with the token's wrapping key, validate it
 * for the key spec, check it is the material first imported (if any), and store it wrapped under
 * the root key as the key's one version; a PendingImport key becomes Enabled. Re-importing into
 * an Enabled or Disabled key (same material only) renews `KeyMaterialExpireUnix` and keeps the
 * state. `KeyMaterialExpireUnix` is epoch seconds, 0 (or absent) = never expires; expiry is
 * applied by the `expire-imported-material` scheduled job.
 *
 * Checks, in order: key, Origin=EXTERNAL, state (table), token authentic and bound to this key
 * (InvalidImportToken), token still the current one (InvalidImportToken), token not expired
 * (ExpiredImportToken), material unwraps and is valid (InvalidKeyMaterial), same material as
 * before (InvalidKeyMaterial). Nothing is written unless all pass; the write is conditional and
 * retires the token, so a token imports once.
 */
import type { RsaEngine } from '../../../crypto/asymmetric/rsa-engine'
import { toBase64, zeroize } from '../../../crypto/bytes'
import { unwrapUnderRoot, wrapUnderRoot } from '../../../crypto/root-key'
import { invalidParameter, KmsError } from '../../../errors'
import { SM4_KEY_SPEC } from '../sm4-keys'
import type { Caller, KeyRecord, KeyVersionRecord } from '../../model'
import type { KeyDeps } from '../../ports'
import { assertKeyState, isoSeconds, mutateKey, resolveKey } from '../common'
import { uuidV4 } from '../material'
import { importPrivateKey } from '../asymmetric/key-material'
import { asymmetricSpec } from '../asymmetric/specs'
import { fingerprintMatches, materialFingerprint } from './fingerprint'
import { assertExternal } from './get-parameters-for-import'
import { expiredImportToken, invalidImportToken, openImportToken } from './import-token'
import { invalidKeyMaterial, SYMMETRIC_MATERIAL_BYTES, unwrapKeyMaterial, wrappingScheme } from './wrapping'

export interface ImportKeyMaterialInput {
  keyId: string
  encryptedKeyMaterial: Uint8Array
  importToken: string
  /** Epoch seconds; 0 or undefined: the material never expires. */
  keyMaterialExpireUnix?: number
}

/** What is stored and what identifies the material. */
interface Prepared {
  stored: Uint8Array
  canonical: Uint8Array
  publicKeySpki?: string
}

async function prepareMaterial(key: KeyRecord, material: Uint8Array, deps: Pick<KeyDeps, 'random'>, engine: RsaEngine): Promise<Prepared> {
  const spec = asymmetricSpec(key.keySpec)
  if (!spec) {
    // 256 bits for Aliyun_AES_256, 128 bits for Aliyun_SM4 (Alibaba's GetParametersForImport doc).
    const expected = key.keySpec === 'Aliyun_AES_256' ? SYMMETRIC_MATERIAL_BYTES : key.keySpec === SM4_KEY_SPEC ? 16 : -1
    if (material.length !== expected) throw invalidKeyMaterial()
    return { stored: material, canonical: material }
  }
  const pair = await importPrivateKey(spec, material, deps.random, engine)
  return { stored: pair.pkcs8, canonical: pair.spki, publicKeySpki: toBase64(pair.spki) }
}

/**
 * @throws KmsError key.notFound, key.unsupportedOrigin, key state errors, import.invalidToken,
 *   import.expiredToken, import.invalidMaterial, validation.invalidParameter
 *   (KeyMaterialExpireUnix), concurrency.conflict
 */
export async function importKeyMaterial(
  deps: Pick<KeyDeps, 'keys' | 'aliases' | 'clock' | 'random' | 'rootKeys' | 'rsa'>,
  caller: Caller,
  input: ImportKeyMaterialInput,
): Promise<KeyRecord> {
  const nowMs = deps.clock.now()
  const expireUnix = input.keyMaterialExpireUnix ?? 0
  if (!Number.isSafeInteger(expireUnix) || expireUnix < 0 || (expireUnix > 0 && expireUnix * 1000 <= nowMs)) {
    throw invalidParameter('KeyMaterialExpireUnix', 'must be 0 (never expires) or a future time in seconds since the epoch.')
  }
  const key = await resolveKey(deps, caller, input.keyId)
  assertExternal(key)
  assertKeyState('ImportKeyMaterial', key)
  const token = await openImportToken(deps, key.keyId, input.importToken)
  const params = key.importParameters
  if (!params || params.tokenId !== token.tokenId) throw invalidImportToken()
  if (nowMs > token.expiresAtMs) throw expiredImportToken()

  const scheme = wrappingScheme(key, params.wrappingAlgorithm)
  const wrappingAad = `importwrap:${key.keyId}:${params.tokenId}`
  const wrappingPkcs8 = await unwrapUnderRoot(deps.rootKeys, params.wrappedPrivateKey, wrappingAad)
  let material: Uint8Array | undefined
  let prepared: Prepared | undefined
  try {
    material = unwrapKeyMaterial(deps.rsa, wrappingPkcs8, scheme, input.encryptedKeyMaterial)
    zeroize(wrappingPkcs8)
    prepared = await prepareMaterial(key, material, deps, deps.rsa)
    const stored = key.materialFingerprint
    if (stored !== undefined && !fingerprintMatches(deps.rootKeys, key.keyId, stored, prepared.canonical)) {
      throw new KmsError('import.invalidMaterial', 'The key material differs from the material first imported into this key.')
    }
    const fingerprint = key.materialFingerprint ?? materialFingerprint(deps.rootKeys, key.keyId, prepared.canonical)
    const existing = key.versions[0]
    const versionId = existing?.versionId ?? uuidV4(deps.random)
    const version: KeyVersionRecord = {
      versionId,
      createdAt: existing?.createdAt ?? isoSeconds(nowMs),
      wrappedMaterial: await wrapUnderRoot(deps.rootKeys, prepared.stored, `keymaterial:${key.keyId}:${versionId}`, deps.random),
      ...(prepared.publicKeySpki ? { publicKeySpki: prepared.publicKeySpki } : {}),
    }
    return await mutateKey(deps, caller, key.keyId, 'ImportKeyMaterial', (k) => {
      // A concurrent import or GetParametersForImport retired this token in the meantime.
      if (k.importParameters?.tokenId !== params.tokenId || (k.versions[0]?.versionId ?? versionId) !== versionId) {
        throw invalidImportToken()
      }
      return {
        ...k,
        keyState: k.keyState === 'PendingImport' ? 'Enabled' : k.keyState,
        versions: [version],
        primaryVersionId: versionId,
        materialExpireTime: expireUnix > 0 ? isoSeconds(expireUnix * 1000) : undefined,
        materialFingerprint: k.materialFingerprint ?? fingerprint,
        importParameters: undefined,
      }
    })
  } finally {
    zeroize(wrappingPkcs8, material, prepared?.stored)
  }
}
