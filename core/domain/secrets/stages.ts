/**
 * @module core/domain/secrets/stages
 *
 * The label rules as pure functions over a head, so that every change is computed on the head
 * that was read and committed with one conditional write:
 *
 * - a label names exactly one version (it is a map key), a version may carry several;
 * - a new version labelled ACSCurrent moves ACSPrevious to the former current version; moving
 *   ACSCurrent with UpdateSecretVersionStage does the same (as AWS does with AWSPREVIOUS);
 * - ACSCurrent can be moved but never removed, so a secret always has a current version, and
 *   ACSPrevious never names the current version;
 * - at most 8 labels per secret; at most 10 versions: a new version evicts the earliest one (as
 *   Alibaba states it), never the ACSCurrent version, and the evicted version's labels go with it.
 */
import { KmsError, invalidParameter } from '../../errors'
import {
  MAX_STAGES_PER_SECRET,
  MAX_VERSIONS_PER_SECRET,
  STAGE_CURRENT,
  STAGE_PREVIOUS,
  lookup,
  plainMap,
  type SecretRecord,
  type SecretVersionRef,
} from './model'

/** The labels a version carries, sorted. */
export function stagesOf(head: Pick<SecretRecord, 'stages'>, versionId: string): string[] {
  return Object.entries(head.stages)
    .filter(([, v]) => v === versionId)
    .map(([label]) => label)
    .sort()
}

function assertStageCount(stages: Record<string, string>): void {
  if (Object.keys(stages).length > MAX_STAGES_PER_SECRET) {
    throw new KmsError('limit.exceeded', `A secret can carry at most ${MAX_STAGES_PER_SECRET} stage labels.`)
  }
}

export interface NewVersionPlan {
  stages: Record<string, string>
  versions: SecretVersionRef[]
  /** Versions dropped from the head; their items are left to the sweep. */
  evicted: SecretVersionRef[]
}

/**
 * Adds a committed version with `labels` (already validated) and applies the eviction rule.
 *
 * @throws KmsError limit.exceeded when the secret would carry more than 8 labels.
 */
export function planNewVersion(
  head: Pick<SecretRecord, 'stages' | 'versions'>,
  version: SecretVersionRef,
  labels: string[],
): NewVersionPlan {
  const stages = plainMap(head.stages)
  if (labels.includes(STAGE_CURRENT)) {
    const former = stages[STAGE_CURRENT]
    if (former !== undefined && former !== version.versionId) stages[STAGE_PREVIOUS] = former
  }
  for (const label of labels) stages[label] = version.versionId
  const versions = [...head.versions.filter((v) => v.versionId !== version.versionId), version]
  const evicted: SecretVersionRef[] = []
  while (versions.length > MAX_VERSIONS_PER_SECRET) {
    // Alibaba: "KMS deletes the earliest version". The ACSCurrent version is the one exception,
    // so that a secret always has a current version; the evicted version's labels go with it.
    const index = versions.findIndex((v) => v.versionId !== stages[STAGE_CURRENT])
    const [gone] = versions.splice(index, 1)
    for (const [label, holder] of Object.entries(stages)) if (holder === gone!.versionId) delete stages[label]
    evicted.push(gone!)
  }
  assertStageCount(stages)
  return { stages, versions, evicted }
}

export interface StageMove {
  stage: string
  moveToVersion?: string
  removeFromVersion?: string
}

/**
 * UpdateSecretVersionStage on a head. Returns the new label map, or undefined when nothing
 * changes (the call is then a successful no-op).
 *
 * @throws KmsError secret.versionNotFound (MoveToVersion not a committed version),
 *   validation.invalidParameter (RemoveFromVersion does not carry the label, ACSCurrent removed),
 *   limit.exceeded (a ninth label)
 */
export function planStageMove(head: Pick<SecretRecord, 'stages' | 'versions'>, move: StageMove): Record<string, string> | undefined {
  const { stage, moveToVersion, removeFromVersion } = move
  const holder = lookup(head.stages, stage)
  if (removeFromVersion !== undefined) {
    if (!head.versions.some((v) => v.versionId === removeFromVersion)) {
      throw new KmsError('secret.versionNotFound', 'The specified secret version is not found.')
    }
    if (holder !== removeFromVersion) {
      throw invalidParameter('RemoveFromVersion', 'the label is not attached to that version.')
    }
  }
  if (moveToVersion !== undefined && !head.versions.some((v) => v.versionId === moveToVersion)) {
    throw new KmsError('secret.versionNotFound', 'The specified secret version is not found.')
  }
  const stages = plainMap(head.stages)
  if (moveToVersion === undefined) {
    if (removeFromVersion === undefined) {
      throw invalidParameter('MoveToVersion', 'give MoveToVersion or RemoveFromVersion.')
    }
    if (stage === STAGE_CURRENT) {
      throw invalidParameter('VersionStage', 'ACSCurrent can be moved but not removed.')
    }
    delete stages[stage]
    return stages
  }
  if (holder === moveToVersion) return undefined
  if (stage === STAGE_PREVIOUS && stages[STAGE_CURRENT] === moveToVersion) {
    throw invalidParameter('MoveToVersion', 'ACSPrevious cannot name the ACSCurrent version.')
  }
  if (stage === STAGE_CURRENT && holder !== undefined) stages[STAGE_PREVIOUS] = holder
  stages[stage] = moveToVersion
  assertStageCount(stages)
  return stages
}
