/**
 * @module core/domain/keys/mac/verify-mac
 *
 * VerifyMac: whether a tag is the full-length HMAC of a message with an HMAC key. Any other tag
 * (wrong length, wrong bytes) is `valid: false`, never an error; the comparison is constant-time
 * (software, core/crypto/mac.ts) or done by the HSM's C_Verify.
 */
import { verifyMac as verifySoftwareMac, type MacAlgorithm } from '../../../crypto/mac'
import { KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { GenerateMacInput } from './generate-mac'
import { resolveMacKey, withMacMaterial, type MacDeps } from './resolve-mac-key'

export interface VerifyMacInput extends GenerateMacInput {
  mac: Uint8Array
}

export interface VerifyMacOutput {
  key: KeyRecord
  versionId: string
  algorithm: MacAlgorithm
  valid: boolean
}

/**
 * @throws KmsError as GenerateMac (./generate-mac.ts); a tag that does not verify is `valid: false`.
 */
export async function verifyMac(deps: MacDeps, caller: Caller, input: VerifyMacInput): Promise<VerifyMacOutput> {
  const target = await resolveMacKey(deps, caller, input, 'VerifyMac')
  const valid = await withMacMaterial(deps, target, {
    hsm: (hsm, id) =>
      hsm.verifyMac(id, target.algorithm, input.message, input.mac).catch((err: unknown) => {
        // The bridge refuses a tag of the wrong length as malformed: that tag is simply not valid.
        if (KmsError.match(err, 'validation.')) return false
        throw err
      }),
    software: (material) => verifySoftwareMac(target.algorithm, material, input.message, input.mac),
  })
  return { ...target, valid }
}
