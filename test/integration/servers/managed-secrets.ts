/**
 * Helpers of the managed-secret integration tests: whether the stack rotates a managed type at
 * all, and rotations that wait by running the scheduled jobs (a bounded number of runs, never a
 * clock).
 */
import { randomUUID } from 'node:crypto'

import { runCronOnce } from '../../../scripts/lib/cron'
import { stackInfo, type openApiCaller } from '../clients'

type Call = ReturnType<typeof openApiCaller>

/**
 * True when the stack has a bridge and CreateSecret accepts `type` (its refusal of a probe names
 * something other than SecretType); otherwise the reason, for a skipped test.
 */
export async function managedRotationReady(call: Call, type: 'Rds' | 'ECS'): Promise<true | string> {
  // Rotations run through the stack's hsm-bridge, which starts only with SoftHSM (or HSM_MODULE).
  if (stackInfo().hsm === undefined) return 'the stack runs no hsm-bridge (install softhsm2)'
  try {
    await call('CreateSecret', {
      SecretName: `${type === 'ECS' ? 'acs/ecs/' : ''}probe-${randomUUID().slice(0, 8)}`,
      VersionId: 'v1',
      SecretType: type,
      SecretDataType: 'text',
      SecretData: '{}',
      ExtendedConfig: '{}',
    })
    return 'the probe was accepted'
  } catch (err) {
    const message = String((err as Error).message)
    if (/SecretType/.test(message)) return `the stack does not rotate ${type} secrets yet`
    return true
  }
}

/** ACSCurrent (or `stage`) SecretData. */
export async function secretValue(call: Call, name: string, stage?: string): Promise<string> {
  const out = await call('GetSecretValue', { SecretName: name, ...(stage ? { VersionStage: stage } : {}) })
  return String(out.SecretData)
}

/** RotateSecret, then the scheduled jobs (at most 10 runs) until ACSCurrent changes. */
export async function rotateAndWait(call: Call, name: string, before: string): Promise<string> {
  await call('RotateSecret', { SecretName: name, VersionId: `r-${randomUUID()}` })
  for (let i = 0; i < 10; i++) {
    const now = await secretValue(call, name)
    if (now !== before) return now
    await runCronOnce(stackInfo().endpoint, stackInfo().dataDir)
  }
  throw new Error('ACSCurrent did not change after RotateSecret and 10 job runs')
}

/**
 * The scheduled jobs run as if `days` days had passed (at most 5 runs) until ACSCurrent changes;
 * with `expectUnchanged`, 2 runs and the value as it then is.
 */
export async function rotateByCron(
  call: Call,
  name: string,
  before: string,
  days: number,
  opts: { expectUnchanged?: boolean } = {},
): Promise<string> {
  const at = new Date(Date.now() + days * 86_400_000)
  for (let i = 0; i < (opts.expectUnchanged ? 2 : 5); i++) {
    await runCronOnce(stackInfo().endpoint, stackInfo().dataDir, { at })
    const now = await secretValue(call, name)
    if (now !== before && !opts.expectUnchanged) return now
  }
  if (opts.expectUnchanged) return secretValue(call, name)
  throw new Error(`ACSCurrent did not change after 5 job runs at +${days} days`)
}
