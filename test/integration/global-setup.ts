/**
 * Starts ONE real local stack (dynalite on disk + the wrangler-built Worker in workerd) for the
 * whole integration project, and hands its credentials to the tests through `inject('stack')`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { freePort, startStack, type Credentials, type HsmBridgeInfo } from '../../scripts/lib/stack'

declare module 'vitest' {
  export interface ProvidedContext {
    stack: Credentials & {
      dataDir: string
      dynamoEndpoint: string
      tableName: string
      /** The stack's HSM bridge, when SoftHSM or HSM_MODULE is available. */
      hsm?: HsmBridgeInfo
    }
  }
}

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-it-'))
  const port = await freePort()
  const stack = await startStack({ port, httpsPort: await freePort(), dataDir })
  project.provide('stack', {
    // endpoint, regionId, accountId, accessKeyId, accessKeySecret, httpsEndpoint, caCertPath
    ...stack.credentials,
    dataDir,
    dynamoEndpoint: stack.dynamoEndpoint,
    tableName: stack.tableName,
    ...(stack.hsm ? { hsm: stack.hsm } : {}),
  })
  return async () => {
    await stack.stop()
    // test/integration/hsm.test.ts kills the bridge and starts a detached replacement.
    try {
      process.kill(Number(readFileSync(join(dataDir, 'hsm-bridge-restarted.pid'), 'utf8')), 'SIGTERM')
    } catch {
      // none was started, or it is gone already
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
}
