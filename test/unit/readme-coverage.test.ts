/**
 * Keeps the README's API coverage table true: every action the Worker answers is listed.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KMS_ACTIONS } from '../../functions/alibaba/registry'

describe('README API coverage table', () => {
  it('lists every registered KMS action', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('## API coverage'))
    const missing = Object.keys(KMS_ACTIONS).filter((action) => !new RegExp(`\\b${action}\\b`).test(table))
    expect(missing).toEqual([])
  })
})
