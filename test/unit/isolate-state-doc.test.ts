/**
 * Keeps the published table of staleness bounds (docs/isolate-state.md) in step with the bounds
 * the code uses (ISOLATE_CACHE_BOUNDS), and the modules' own constants with both.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ACCESS_KEY_SECRET_CACHE_MS } from '../../core/domain/authenticate'
import { ISOLATE_CACHE_BOUNDS } from '../../core/domain/isolate-state'
import { MATERIAL_CACHE_MS } from '../../core/domain/keys/material'
import { ACCESS_CACHE_MS } from '../../core/domain/principals/access-control'
import { VERSION_CACHE_MS } from '../../core/domain/secrets/version-cache'
import { ACCESS_KEY_CACHE_MS } from '../../core/store/cached-credentials'
import { KEY_CACHE_MS } from '../../core/store/cached-keys'
import { SECRET_HEAD_CACHE_MS } from '../../core/store/cached-secrets'

describe('docs/isolate-state.md', () => {
  const doc = readFileSync(join(__dirname, '../../docs/isolate-state.md'), 'utf8')

  it('lists every cache of the isolate state with its TTL and entry bound', () => {
    for (const [name, bound] of Object.entries(ISOLATE_CACHE_BOUNDS)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\` |`))
      expect(row, name).toBeDefined()
      const cells = row!.split('|').map((c) => c.trim())
      expect(cells[3], name).toBe(`${bound.ttlMs / 1000} s`)
      expect(cells[4], name).toBe(bound.maxEntries.toLocaleString('en-US'))
    }
  })

  it('states the bounds the modules use', () => {
    expect(KEY_CACHE_MS).toBe(ISOLATE_CACHE_BOUNDS.keys.ttlMs)
    expect(ACCESS_KEY_CACHE_MS).toBe(ISOLATE_CACHE_BOUNDS.accessKeys.ttlMs)
    expect(ACCESS_KEY_SECRET_CACHE_MS).toBe(ISOLATE_CACHE_BOUNDS.accessKeySecrets.ttlMs)
    expect(ACCESS_CACHE_MS).toBe(ISOLATE_CACHE_BOUNDS.identities.ttlMs)
    expect(MATERIAL_CACHE_MS).toBe(ISOLATE_CACHE_BOUNDS.keyMaterial.ttlMs)
    expect(VERSION_CACHE_MS).toBe(ISOLATE_CACHE_BOUNDS.secretVersions.ttlMs)
    expect(SECRET_HEAD_CACHE_MS).toBe(ISOLATE_CACHE_BOUNDS.secretHeads.ttlMs)
    // The revocation delay of an AccessKey, as docs/access-control.md states it.
    const access = readFileSync(join(__dirname, '../../docs/access-control.md'), 'utf8')
    expect(access).toContain(`within **${ACCESS_KEY_CACHE_MS / 1000} seconds**`)
  })
})
