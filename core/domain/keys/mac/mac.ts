/**
 * @module core/domain/keys/mac/mac
 *
 * GenerateMac and VerifyMac on HMAC keys (./specs.ts). Both first resolve the key (id, alias or
 * ARN), require an HMAC key (`Rejected.UnsupportedKeyUsage` for any other, as Encrypt/Sign with
 * an HMAC key are refused), check the key-state table (Enabled only), the algorithm against the
 * spec and the message length, then DryRun. The key's one (primary) version computes the tag:
 * in software with core/crypto/mac.ts, or in the HSM for ProtectionLevel=HSM keys.
 *
 * VerifyMac answers `false` for any tag that is not the full-length HMAC (wrong length, wrong
 * bytes), never an error; the comparison is constant-time (software) or done by the HSM's
 * C_Verify.
 */
import { computeMac, verifyMac as verifySoftwareMac, type MacAlgorithm } from '../../../crypto/mac'
import { zeroize } from '../../../crypto/bytes'
import { KmsError } from '../../../errors'
import type { Caller, KeyRecord } from '../../model'
import type { HsmDeps, KeyDeps } from '../../ports'
import { assertKeyState, resolveKey } from '../common'
import { isHsmKey, withHsmVersion } from '../hsm/hsm-keys'
import { unwrapVersion } from '../material'
import { dryRunSucceeded } from '../asymmetric/resolve-version'
import { assertMacAlgorithm, assertMacMessage, requireMacKey } from './specs'

type MacDeps = Pick<KeyDeps, 'keys' | 'aliases' | 'rootKeys'> & HsmDeps

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

export interface VerifyMacInput extends GenerateMacInput {
  mac: Uint8Array
}

export interface VerifyMacOutput {
  key: KeyRecord
  versionId: string
  algorithm: MacAlgorithm
  valid: boolean
}

async function resolveMacTarget(
  deps: MacDeps,
  caller: Caller,
  input: GenerateMacInput,
  operation: 'GenerateMac' | 'VerifyMac',
): Promise<{ key: KeyRecord; versionId: string; algorithm: MacAlgorithm }> {
  const key = await resolveKey(deps, caller, input.keyId)
  const spec = requireMacKey(key)
  assertKeyState(operation, key)
  const algorithm = assertMacAlgorithm(spec, input.algorithm)
  assertMacMessage(input.message)
  const versionId = key.primaryVersionId
  if (!versionId) throw new KmsError('key.versionNotFound', 'The specified key version is not found.')
  if (input.dryRun) throw dryRunSucceeded()
  return { key, versionId, algorithm }
}

/**
 * @throws KmsError key.notFound, alias.notFound, key.invalidUsage, key state errors,
 *   validation.invalidParameter (Algorithm, Message), dryRun.wouldSucceed,
 *   key.unsupportedProtectionLevel / hsm.unavailable (HSM keys)
 */
export async function generateMac(deps: MacDeps, caller: Caller, input: GenerateMacInput): Promise<GenerateMacOutput> {
  const { key, versionId, algorithm } = await resolveMacTarget(deps, caller, input, 'GenerateMac')
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

/**
 * @throws KmsError as {@link generateMac}; a tag that does not verify is `valid: false`.
 */
export async function verifyMac(deps: MacDeps, caller: Caller, input: VerifyMacInput): Promise<VerifyMacOutput> {
  const { key, versionId, algorithm } = await resolveMacTarget(deps, caller, input, 'VerifyMac')
  if (isHsmKey(key)) {
    const valid = await withHsmVersion(deps, key, versionId, (hsm, id) =>
      hsm.verifyMac(id, algorithm, input.message, input.mac).catch((err: unknown) => {
        // The bridge refuses a tag of the wrong length as malformed: that tag is simply not valid.
        if (KmsError.match(err, 'validation.')) return false
        throw err
      }),
    )
    return { key, versionId, algorithm, valid }
  }
  const material = await unwrapVersion(deps, key, versionId)
  try {
    return { key, versionId, algorithm, valid: verifySoftwareMac(algorithm, material, input.message, input.mac) }
  } finally {
    zeroize(material)
  }
}
