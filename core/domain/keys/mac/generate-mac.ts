/**
 * @module core/domain/keys/mac/generate-mac
 *
 * GenerateMac: the RFC 2104 HMAC of a message with an HMAC key (./specs.ts), in software with
 * core/crypto/mac.ts or in the HSM for ProtectionLevel=HSM keys.
 */
import { computeMac, type MacAlgorithm } from '../../../crypto/mac'
import { zeroize } from '../../../crypto/bytes'
import type { Caller, KeyRecord } from '../../model'
import { isHsmKey, withHsmVersion } from '../hsm/hsm-keys'
import { unwrapVersion } from '../material'
import { resolveMacKey, type MacDeps } from './resolve-mac-key'

export interface GenerateMacInput {
  keyId: string
  algorithm: string
  message: Uint8Array
  dryRun?: boolean
}

export interface GenerateMacOutput {
  key: KeyRecord
  versionId: string
  algorithm: MacAlgorithm
  mac: Uint8Array
}

/**
 * @throws KmsError key.notFound, alias.notFound, key.invalidUsage, key state errors,
 *   validation.invalidParameter (Algorithm, Message), dryRun.wouldSucceed,
 *   key.unsupportedProtectionLevel / hsm.unavailable (HSM keys)
 */
export async function generateMac(deps: MacDeps, caller: Caller, input: GenerateMacInput): Promise<GenerateMacOutput> {
  const { key, versionId, algorithm } = await resolveMacKey(deps, caller, input, 'GenerateMac')
  if (isHsmKey(key)) {
    const mac = await withHsmVersion(deps, key, versionId, (hsm, id) => hsm.generateMac(id, algorithm, input.message))
    return { key, versionId, algorithm, mac }
  }
  const material = await unwrapVersion(deps, key, versionId)
  try {
    return { key, versionId, algorithm, mac: computeMac(algorithm, material, input.message) }
  } finally {
    zeroize(material)
  }
}
