/**
 * Creates and lists KMS instances on a running local stack (functions/local-admin.ts
 * `/__local/instances`: loopback only, the per-start token, 404 in deployments).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { InstanceRecord } from '../../core/domain/instances/model'
import { StackError } from './stack'

export interface CreateInstanceOptions {
  accountId: string
  type: 'software' | 'hsm' | 'external'
  keys: number
  secrets: number
  rps: number
  vpcs?: number
  name?: string
}

function token(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, 'local-admin-token'), 'utf8').trim()
  } catch {
    throw new StackError(`No local stack token in ${dataDir}: is the stack running (\`npm start\`)?`)
  }
}

async function call(endpoint: string, dataDir: string, path: string, init: RequestInit): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(new URL(path, endpoint), {
      ...init,
      headers: { authorization: `Bearer ${token(dataDir)}`, 'content-type': 'application/json' },
    })
  } catch {
    throw new StackError(`Cannot reach the local stack at ${endpoint}: is \`npm start\` running?`)
  }
  if (res.status === 404) throw new StackError('The stack did not accept the local admin request (token mismatch or not a local stack).')
  const body = (await res.json().catch(() => ({}))) as { error?: string }
  if (!res.ok) throw new StackError(`Instance request refused: ${res.status} ${body.error ?? ''}`)
  return body
}

export async function createLocalInstance(endpoint: string, dataDir: string, opts: CreateInstanceOptions): Promise<InstanceRecord> {
  const body = (await call(endpoint, dataDir, '/__local/instances', { method: 'POST', body: JSON.stringify(opts) })) as {
    instance: InstanceRecord
  }
  return body.instance
}

export async function listLocalInstances(endpoint: string, dataDir: string, accountId: string): Promise<InstanceRecord[]> {
  const body = (await call(endpoint, dataDir, `/__local/instances?accountId=${encodeURIComponent(accountId)}`, { method: 'GET' })) as {
    instances: InstanceRecord[]
  }
  return body.instances
}
