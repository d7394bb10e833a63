/**
 * @module bench/lib/machine
 * What the run says about the machine (cores, model, versions, load average), waiting for other
 * processes to calm down within the run's quiet budget, and the bindings a product workerd gets.
 */
import { readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { ROOT, type RunningStack } from '../../scripts/lib/stack'
import { foreignLoad } from './procs'
import type { MachineInfo } from './report'
import { workerdVersion } from './workerd'

/** Cores, CPU model, memory, kernel, tool versions and the load average at the start. */
export function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown'
  const pkg = (name: string) => {
    try {
      return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
    } catch {
      return 'unknown'
    }
  }
  return {
    cores: cpus().length,
    model,
    memoryGiB: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    workerd: workerdVersion(),
    wrangler: pkg('wrangler'),
    miniflare: pkg('miniflare'),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  }
}

/**
 * A waiter that (within a total budget shared by all its calls) waits until other processes use
 * < 0.3 cores; each call resolves with the other load last seen.
 */
export function quietWaiter(budgetMs: number, quick: boolean): () => Promise<number> {
  let quietBudget = budgetMs
  return async () => {
    let load = await foreignLoad(quick ? 150 : 300)
    while (load >= 0.3 && quietBudget > 0) {
      const t = Date.now()
      load = await foreignLoad(500)
      quietBudget -= Date.now() - t
    }
    return load
  }
}

/** The bindings scripts/lib/stack.ts gives Miniflare, for serving the same bundle with workerd. */
export function bindingsFor(stack: RunningStack, dataDir: string, extra: Record<string, string>): Record<string, string> {
  return {
    KMS_REGION: stack.credentials.regionId,
    DYNAMODB_TABLE: stack.tableName,
    DYNAMODB_ENDPOINT: stack.dynamoEndpoint,
    DYNAMODB_REGION: 'us-east-1',
    KMS_ROOT_KEYS: readFileSync(join(dataDir, 'root-keys.json'), 'utf8'),
    KMS_LOCAL_MODE: 'true',
    KMS_LOCAL_ADMIN_TOKEN: readFileSync(join(dataDir, 'local-admin-token'), 'utf8').trim(),
    ...extra,
  }
}
