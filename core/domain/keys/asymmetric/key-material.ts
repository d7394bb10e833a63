/**
 * @module core/domain/keys/asymmetric/key-material
 *
 * Key versions of asymmetric keys. The private key (PKCS#8 DER) of each version is stored only
 * wrapped under the root key with the AAD `keymaterial:<keyId>:<versionId>` (the same slot
 * naming as core/domain/keys/material.ts, whose `unwrapVersion` opens it), and the public key
 * (SPKI DER, base64) in clear on the version record.
 *
 * Generation: RSA with WebCrypto `generateKey` (e = 65537), P-256 with WebCrypto, secp256k1 with
 * @noble/curves seeded by the service's health-checked random source, SM2 by core/crypto/sm/sm2.ts
 * from the same source.
 */
import { fromBase64, toBase64, zeroize } from '../../../crypto/bytes'
import { generateEcKeyPair, importEcPkcs8 } from '../../../crypto/asymmetric/ec'
import { generateRsaKeyPair, importRsaPkcs8 } from '../../../crypto/asymmetric/rsa'
import { generateSm2KeyPair, importSm2Pkcs8 } from '../../../crypto/sm/sm2'
import type { RsaEngine } from '../../../crypto/asymmetric/rsa-engine'
import { wrapUnderRoot } from '../../../crypto/root-key'
import { KmsError } from '../../../errors'
import type { KeyRecord, KeyVersionRecord } from '../../model'
import type { KeyDeps } from '../../ports'
import { isoSeconds } from '../common'
import { unwrapVersion, uuidV4 } from '../material'
import type { AsymmetricSpec } from './specs'

/** A key pair in its stored encodings (DER). */
export interface AsymmetricKeyPair {
  pkcs8: Uint8Array
  spki: Uint8Array
}

/** A fresh key pair of `spec`. The caller must zeroize `pkcs8`. */
export function generateKeyPair(spec: AsymmetricSpec, random: KeyDeps['random']): Promise<AsymmetricKeyPair> {
  if (spec.kind === 'sm2') return Promise.resolve(generateSm2KeyPair(random))
  return spec.kind === 'rsa' ? generateRsaKeyPair(spec.bits) : generateEcKeyPair(spec.curve, random)
}

/**
 * Validates an imported private key (PKCS#8 DER) against `spec` and returns its canonical
 * encodings (RSA: pairwise-consistency tested; EC: embedded public key checked).
 * The caller must zeroize `pkcs8` of the result.
 * @throws KmsError import.invalidMaterial for anything that is not a valid key of `spec`
 */
export async function importPrivateKey(
  spec: AsymmetricSpec,
  pkcs8: Uint8Array,
  random: KeyDeps['random'],
  engine: RsaEngine,
): Promise<AsymmetricKeyPair> {
  try {
    if (spec.kind === 'sm2') return importSm2Pkcs8(pkcs8)
    return spec.kind === 'rsa' ? await importRsaPkcs8(engine, pkcs8, spec.bits, random) : importEcPkcs8(spec.curve, pkcs8)
  } catch (err) {
    const message = `The key material is not a valid ${spec.keySpec} private key (PKCS#8 DER).`
    throw new KmsError('import.invalidMaterial', message, { cause: err })
  }
}

/** A version record holding `pair`, the private key wrapped under the root key. */
export async function versionFromKeyPair(
  deps: Pick<KeyDeps, 'random' | 'rootKeys'>,
  keyId: string,
  versionId: string,
  pair: AsymmetricKeyPair,
  nowMs: number,
): Promise<KeyVersionRecord> {
  const wrappedMaterial = await wrapUnderRoot(deps.rootKeys, pair.pkcs8, `keymaterial:${keyId}:${versionId}`, deps.random)
  return { versionId, createdAt: isoSeconds(nowMs), wrappedMaterial, publicKeySpki: toBase64(pair.spki) }
}

/** Generates a new version of an asymmetric key (fresh key pair, wrapped private key). */
export async function newAsymmetricVersion(
  deps: Pick<KeyDeps, 'random' | 'rootKeys'>,
  keyId: string,
  spec: AsymmetricSpec,
  nowMs: number,
): Promise<KeyVersionRecord> {
  const pair = await generateKeyPair(spec, deps.random)
  try {
    return await versionFromKeyPair(deps, keyId, uuidV4(deps.random), pair, nowMs)
  } finally {
    zeroize(pair.pkcs8)
  }
}

/**
 * The public key (SPKI DER) of a version.
 * @throws KmsError internal when the store holds no valid public key for it
 */
export function versionPublicKey(version: KeyVersionRecord): Uint8Array {
  const spki = version.publicKeySpki === undefined ? undefined : fromBase64(version.publicKeySpki)
  if (!spki) throw new KmsError('internal', 'The key version has no public key.')
  return spki
}

/**
 * The private key (PKCS#8 DER) of a version; the caller must zeroize it.
 * @throws KmsError key.versionNotFound, internal (corrupt store)
 */
export function unwrapPrivateKey(deps: Pick<KeyDeps, 'rootKeys'>, key: KeyRecord, versionId: string): Promise<Uint8Array> {
  return unwrapVersion(deps, key, versionId)
}
