/**
 * Starts ONE real local stack (dynalite on disk + the wrangler-built Worker in workerd) for the
 * whole integration project, and hands its credentials to the tests through `inject('stack')`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { freePort, startStack, type Credentials } from '../../scripts/lib/stack'

declare module 'vitest' {
  export interface ProvidedContext {
    stack: Credentials & { dataDir: string; dynamoEndpoint: string; tableName: string }
  }
}

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-it-'))
  const port = await freePort()
  const stack = await startStack({ port, dataDir })
  project.provide('stack', {
    ...stack.credentials,
    dataDir,
    dynamoEndpoint: stack.dynamoEndpoint,
    tableName: stack.tableName,
  })
  return async () => {
    await stack.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
