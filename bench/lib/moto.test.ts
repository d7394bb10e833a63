/**
 * Finding moto_server (the bench row says "not installed" when this answers undefined).
 * In the `unit` project: `npx vitest run --project unit bench`.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findMotoServer } from './moto'

const dir = mkdtempSync(join(tmpdir(), 'bench-moto-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fake(sub: string, exitCode: number, mode = 0o755): string {
  const d = join(dir, sub)
  rmSync(d, { recursive: true, force: true })
  const f = join(d, 'moto_server')
  mkdirSync(d, { recursive: true })
  writeFileSync(f, `#!/bin/sh\nexit ${exitCode}\n`)
  chmodSync(f, mode)
  return d
}

describe('findMotoServer', () => {
  it('is undefined when neither PATH nor the fallback has one', () => {
    expect(findMotoServer(join(dir, 'nothing'), join(dir, 'nothing/moto_server'))).toBeUndefined()
  })

  it('takes the first moto_server on PATH that runs, skipping a broken shim and a non-executable file', () => {
    const broken = fake('broken', 1)
    const plain = fake('plain', 0, 0o644)
    const good = fake('good', 0)
    expect(findMotoServer([broken, plain, good].join(':'), join(dir, 'nothing/moto_server'))).toBe(join(good, 'moto_server'))
  })

  it('falls back to the given path', () => {
    const good = fake('fallback', 0)
    expect(findMotoServer('', join(good, 'moto_server'))).toBe(join(good, 'moto_server'))
  })
})
