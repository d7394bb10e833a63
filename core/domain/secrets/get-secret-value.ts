/**
 * @module core/domain/secrets/get-secret-value
 *
 * GetSecretValue and BatchGetSecretValue: a version chosen by `VersionId`, by `VersionStage`
 * (default ACSCurrent), or both (they must agree). Reads see only committed versions: the head
 * decides which version a label names, so a version item being written is never returned.
 */
import { KmsError, invalidParameter } from '../../errors'
import type { Owner } from '../targets/parse'
import type { SecretDeps } from '../ports'
import { danglingVersion, loadSecret, versionNotFound } from './common'
import { lookup, STAGE_CURRENT, STAGE_PREVIOUS, type SecretRecord, type SecretValue } from './model'
import { assertStageSyntax, assertVersionId } from './names'
import { stagesOf } from './stages'
import { keyForRead, openSecretVersion } from './value-crypto'
import { cachedVersion, rememberVersion } from './version-cache'

export interface GetSecretValueInput {
  secretName: string
  versionId?: string
  versionStage?: string
  dryRun?: boolean
}

export interface SecretValueOutput {
  secret: SecretRecord
  versionId: string
  createdAt: string
  stages: string[]
  /** The caller must zeroize `value.bytes` once the response is built. */
  value: SecretValue
}

/**
 * @throws KmsError validation.*, secret.notFound, secret.versionNotFound, secret.invalidState
 *   (pending deletion), key.* (the CMK's state, e.g. key.disabled), dryRun.wouldSucceed,
 *   internal (a stored value that fails authentication)
 */
export async function getSecretValue(
  deps: SecretDeps,
  /** Where the secret lives: the caller's account, or the owner's for authorised cross-account use. */
  caller: Owner,
  input: GetSecretValueInput,
): Promise<SecretValueOutput> {
  if (input.versionId !== undefined) assertVersionId(input.versionId)
  if (input.versionStage !== undefined) assertStageSyntax(input.versionStage)
  const head = await loadSecret(deps, caller, input.secretName, 'refuse')
  if (
    head.secretType === 'RAMCredentials' &&
    input.versionStage !== undefined &&
    input.versionStage !== STAGE_CURRENT &&
    input.versionStage !== STAGE_PREVIOUS
  ) {
    // Alibaba: VersionStage of a managed secret is ACSCurrent or ACSPrevious (a pending AccessKey
    // is not handed out before it has been tested).
    throw invalidParameter('VersionStage', 'must be ACSCurrent or ACSPrevious for a RAMCredentials secret.')
  }
  let versionId: string | undefined
  if (input.versionId !== undefined) {
    versionId = input.versionId
    if (!head.versions.some((v) => v.versionId === versionId)) throw versionNotFound()
    const stage = input.versionStage
    if (stage !== undefined && lookup(head.stages, stage) !== versionId) throw versionNotFound()
  } else {
    versionId = lookup(head.stages, input.versionStage ?? STAGE_CURRENT)
    if (versionId === undefined) throw versionNotFound()
  }
  const ref = head.versions.find((v) => v.versionId === versionId)
  if (!ref) throw danglingVersion()
  const { accountId, region, secretName } = head
  const now = deps.clock.now()
  const cached = cachedVersion(deps, head, ref)
  const [item, key] = await Promise.all([
    cached ?? deps.secrets.getVersion(accountId, region, secretName, versionId),
    deps.keys.get(head.encryptionKeyId),
  ])
  if (!item) throw danglingVersion()
  if (!cached) rememberVersion(deps, head, ref, item, now)
  if (input.dryRun) {
    await keyForRead(deps, head, versionId, item, key)
    throw new KmsError('dryRun.wouldSucceed', 'Request would have succeeded, but the DryRun flag is set.')
  }
  const bytes = await openSecretVersion(deps, head, versionId, item, key)
  return {
    secret: head,
    versionId,
    createdAt: ref.createdAt,
    stages: stagesOf(head, versionId),
    value: { type: item.secretDataType, bytes },
  }
}

export const MAX_BATCH_SECRETS = 20

export type BatchEntryResult = { secretName: string; ok: SecretValueOutput } | { secretName: string; error: KmsError }

/** Failures of the service itself fail the whole batch; everything else is reported per secret. */
const FATAL = new Set(['internal', 'store.unavailable', 'hsm.unavailable'])

/**
 * BatchGetSecretValue: up to 20 different secrets, each read as GetSecretValue would.
 *
 * @throws KmsError validation.* for a malformed list; store.unavailable, internal
 */
export async function batchGetSecretValue(
  deps: SecretDeps,
  /** Where the secret lives: the caller's account, or the owner's for authorised cross-account use. */
  caller: Owner,
  entries: GetSecretValueInput[],
): Promise<BatchEntryResult[]> {
  if (entries.length === 0 || entries.length > MAX_BATCH_SECRETS) {
    throw invalidParameter('SecretsList', `must list 1 to ${MAX_BATCH_SECRETS} secrets.`)
  }
  if (new Set(entries.map((e) => e.secretName)).size !== entries.length) {
    throw invalidParameter('SecretsList', 'each secret may be listed once.')
  }
  const results = await Promise.allSettled(entries.map((e) => getSecretValue(deps, caller, { ...e, dryRun: false })))
  const out: BatchEntryResult[] = []
  let fatal: unknown
  results.forEach((r, i) => {
    const secretName = entries[i]!.secretName
    if (r.status === 'fulfilled') out.push({ secretName, ok: r.value })
    else if (r.reason instanceof KmsError && !FATAL.has(r.reason.code)) {
      out.push({ secretName, error: r.reason })
    } else fatal ??= r.reason
  })
  if (fatal !== undefined) {
    for (const r of out) if ('ok' in r) r.ok.value.bytes.fill(0)
    throw fatal
  }
  return out
}
