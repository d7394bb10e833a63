/**
 * Keeps the README's API coverage table true: every action the Worker answers is listed, and
 * every action it marks as supported is one the Worker answers.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KMS_ACTIONS } from '../../functions/alibaba/registry'
import { AWS_KMS_ACTIONS } from '../../functions/aws/registry'
import { AWS_SECRETS_ACTIONS } from '../../functions/aws/registry'
import { isUnsupportedOperation } from '../../functions/aws/kms/unsupported'

describe('README API coverage table', () => {
  it('lists every registered KMS action', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('## API coverage'))
    const missing = [...KMS_ACTIONS.keys()].filter((action) => !new RegExp(`\\b${action}\\b`).test(table))
    expect(missing).toEqual([])
  })

  it('marks as supported (✅) only actions the Worker answers', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8')
    const start = readme.indexOf('## API coverage')
    const table = readme.slice(start, readme.indexOf('\n### ', start))
    const claimed = table
      .split('\n')
      .filter((line) => /^\| [A-Z]/.test(line) && line.split('|')[2]?.includes('✅'))
      .flatMap((line) =>
        line
          .split('|')[1]!
          .split(/[/,]/)
          .map((name) => name.trim()),
      )
    expect(claimed.length).toBeGreaterThan(40)
    expect(claimed.filter((action) => !KMS_ACTIONS.has(action))).toEqual([])
  })
})

describe('README Secrets Manager (AWS dialect) coverage table', () => {
  /** The section, up to the next level-2 heading. */
  function section(): string {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8')
    const start = readme.indexOf('## Secrets Manager (AWS dialect)')
    expect(start).toBeGreaterThan(-1)
    const end = readme.indexOf('\n## ', start + 1)
    return readme.slice(start, end === -1 ? undefined : end)
  }

  /** Operation names of the table rows marked with `mark`. */
  function rows(mark: string): string[] {
    return section()
      .split('\n')
      .filter((line) => /^\| [A-Z]/.test(line) && line.split('|')[2]?.includes(mark))
      .flatMap((line) =>
        line
          .split('|')[1]!
          .split('/')
          .map((name) => name.trim()),
      )
  }

  it('lists every entry of AWS_SECRETS_ACTIONS in a table row', () => {
    const listed = new Set([...rows('✅'), ...rows('❌')])
    expect([...AWS_SECRETS_ACTIONS.keys()].filter((op) => !listed.has(op))).toEqual([])
  })

  it('lists only operations the registry answers', () => {
    expect([...rows('✅'), ...rows('❌')].filter((op) => !AWS_SECRETS_ACTIONS.has(op))).toEqual([])
  })
})

describe('README AWS KMS coverage table', () => {
  /** The rows of the table under `## AWS dialect: KMS (TrentService)`: names and status. */
  function rows(): Array<{ names: string[]; supported: boolean }> {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8')
    const start = readme.indexOf('## AWS dialect: KMS (TrentService)')
    expect(start).toBeGreaterThan(0)
    const end = readme.indexOf('\n## ', start + 1)
    return readme
      .slice(start, end < 0 ? undefined : end)
      .split('\n')
      .filter((line) => /^\| [A-Z]/.test(line) && !line.startsWith('| Operation |'))
      .map((line) => ({
        names: line
          .split('|')[1]!
          .split('/')
          .map((n) => n.trim()),
        supported: line.split('|')[2]!.includes('✅'),
      }))
  }

  it('lists every entry of AWS_KMS_ACTIONS, and nothing it does not answer', () => {
    const listed = rows().flatMap((r) => r.names)
    expect([...AWS_KMS_ACTIONS.keys()].filter((name) => !listed.includes(name))).toEqual([])
    expect(listed.filter((name) => !AWS_KMS_ACTIONS.has(name))).toEqual([])
  })

  it('marks as supported (✅) exactly the operations that do not refuse every call', () => {
    for (const row of rows())
      for (const name of row.names) expect({ name, supported: row.supported }).toEqual({ name, supported: !isUnsupportedOperation(name) })
  })
})
