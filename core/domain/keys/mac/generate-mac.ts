/**
 * @module core/domain/keys/mac/generate-mac
 *
 * GenerateMac: the RFC 2104 HMAC of a message with an HMAC key (./specs.ts), in software with
 * core/crypto/mac.ts or in the HSM for ProtectionLevel=HSM keys.
 */
import type { KeyRef } from '../common'
import { computeMac, type MacAlgorithm } from '../../../crypto/mac'
import type { Caller, KeyRecord } from '../../model'
import { resolveMacKey, withMacMaterial, type MacDeps } from './resolve-mac-key'

export interface GenerateMacInput {
  keyId: KeyRef
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
  const target = await resolveMacKey(deps, caller, input, 'GenerateMac')
  const mac = await withMacMaterial(deps, target, {
    hsm: (hsm, id) => hsm.generateMac(id, target.algorithm, input.message),
    software: (material) => computeMac(target.algorithm, material, input.message),
  })
  return { ...target, mac }
}
