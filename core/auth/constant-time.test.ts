import { beforeEach, describe, expect, it, vi } from 'vitest'

import { CAPTURED_REQUESTS } from '../../test/unit/helpers/alibaba-captured-requests'
import { parseRawHttp } from '../../test/unit/helpers/raw-http'
import * as bytes from '../crypto/bytes'
import { parseSignature } from './signed-request'

vi.mock('../crypto/bytes', async (importOriginal) => {
  const original = await importOriginal<typeof import('../crypto/bytes')>()
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) }
})

describe('signature comparison', () => {
  beforeEach(() => {
    vi.mocked(bytes.timingSafeEqual).mockClear()
  })

  for (const capture of CAPTURED_REQUESTS) {
    it(`compares equal-length byte strings with timingSafeEqual (${capture.name})`, async () => {
      const sig = parseSignature(parseRawHttp(capture.raw))
      expect(await sig.verify('testSecret')).toBe(true)
      expect(await sig.verify('wrongSecret')).toBe(false)
      const calls = vi.mocked(bytes.timingSafeEqual).mock.calls
      expect(calls).toHaveLength(2)
      for (const [a, b] of calls) {
        expect(a).toBeInstanceOf(Uint8Array)
        expect(b).toBeInstanceOf(Uint8Array)
        expect(a.length).toBe(b.length)
        expect(a.length).toBe(capture.scheme === 'V1' ? 20 : 32)
      }
    })
  }
})
