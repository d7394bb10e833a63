/**
 * HMAC for GenerateMac/VerifyMac (core/crypto/mac.ts): the RFC 4231 test cases 1–7 for
 * SHA-224/256/384/512, and every Wycheproof HMAC-SHA-2 vector (pinned files, SHA-256 checked
 * against the shared MANIFEST.tsv). Wycheproof groups with truncated tags are checked on the
 * truncated prefix of computeMac; VerifyMac itself accepts only full-length tags.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fromHex, timingSafeEqual, toHex, utf8 } from './bytes'
import { computeMac, MAC_ALGORITHMS, MAC_LENGTH, verifyMac, type MacAlgorithm } from './mac'

const hex = (s: string): Uint8Array => {
  const b = fromHex(s.toLowerCase())
  if (b === undefined) throw new Error('bad hex')
  return b
}
const repeat = (byte: number, n: number) => new Uint8Array(n).fill(byte)

interface Rfc4231Case {
  n: number
  key: Uint8Array
  data: Uint8Array
  /** Expected tags; case 5 lists the first 16 bytes only (truncation test). */
  mac: Record<MacAlgorithm, string>
  truncatedTo?: number
}

// RFC 4231 §4.2–4.8.
const RFC4231: Rfc4231Case[] = [
  {
    n: 1,
    key: repeat(0x0b, 20),
    data: utf8('Hi There'),
    mac: {
      HMAC_SHA_224: '896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22',
      HMAC_SHA_256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      HMAC_SHA_384: 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
      HMAC_SHA_512:
        '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
    },
  },
  {
    n: 2,
    key: utf8('Jefe'),
    data: utf8('what do ya want for nothing?'),
    mac: {
      HMAC_SHA_224: 'a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44',
      HMAC_SHA_256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      HMAC_SHA_384: 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
      HMAC_SHA_512:
        '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    },
  },
  {
    n: 3,
    key: repeat(0xaa, 20),
    data: repeat(0xdd, 50),
    mac: {
      HMAC_SHA_224: '7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea',
      HMAC_SHA_256: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
      HMAC_SHA_384: '88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27',
      HMAC_SHA_512:
        'fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb',
    },
  },
  {
    n: 4,
    key: hex('0102030405060708090a0b0c0d0e0f10111213141516171819'),
    data: repeat(0xcd, 50),
    mac: {
      HMAC_SHA_224: '6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a',
      HMAC_SHA_256: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
      HMAC_SHA_384: '3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb',
      HMAC_SHA_512:
        'b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd',
    },
  },
  {
    n: 5,
    key: repeat(0x0c, 20),
    data: utf8('Test With Truncation'),
    truncatedTo: 16,
    mac: {
      HMAC_SHA_224: '0e2aea68a90c8d37c988bcdb9fca6fa8',
      HMAC_SHA_256: 'a3b6167473100ee06e0c796c2955552b',
      HMAC_SHA_384: '3abf34c3503b2a23a46efc619baef897',
      HMAC_SHA_512: '415fad6271580a531d4179bc891d87a6',
    },
  },
  {
    n: 6,
    key: repeat(0xaa, 131),
    data: utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: {
      HMAC_SHA_224: '95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e',
      HMAC_SHA_256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
      HMAC_SHA_384: '4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952',
      HMAC_SHA_512:
        '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
    },
  },
  {
    n: 7,
    key: repeat(0xaa, 131),
    data: utf8(
      'This is a test using a larger than block-size key and a larger than block-size data. ' +
        'The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    mac: {
      HMAC_SHA_224: '3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1',
      HMAC_SHA_256: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
      HMAC_SHA_384: '6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e',
      HMAC_SHA_512:
        'e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58',
    },
  },
]

describe('RFC 4231 HMAC-SHA-2 test cases', () => {
  for (const tc of RFC4231) {
    for (const alg of MAC_ALGORITHMS) {
      it(`case ${tc.n} ${alg}`, () => {
        const mac = computeMac(alg, tc.key, tc.data)
        expect(mac.length).toBe(MAC_LENGTH[alg])
        const expected = tc.mac[alg]
        if (tc.truncatedTo !== undefined) {
          expect(toHex(mac.subarray(0, tc.truncatedTo))).toBe(expected)
          // VerifyMac takes full-length tags only: the truncated tag is not valid.
          expect(verifyMac(alg, tc.key, tc.data, hex(expected))).toBe(false)
          return
        }
        expect(toHex(mac)).toBe(expected)
        expect(verifyMac(alg, tc.key, tc.data, hex(expected))).toBe(true)
        const flipped = hex(expected)
        flipped[flipped.length - 1]! ^= 0x01
        expect(verifyMac(alg, tc.key, tc.data, flipped)).toBe(false)
      })
    }
  }
})

describe('verifyMac', () => {
  it('refuses tags of the wrong length, empty tags and tags under another key or algorithm', () => {
    const key = repeat(0x42, 32)
    const msg = utf8('message')
    const mac = computeMac('HMAC_SHA_256', key, msg)
    expect(verifyMac('HMAC_SHA_256', key, msg, mac)).toBe(true)
    expect(verifyMac('HMAC_SHA_256', key, msg, mac.subarray(0, 31))).toBe(false)
    expect(verifyMac('HMAC_SHA_256', key, msg, new Uint8Array([...mac, 0]))).toBe(false)
    expect(verifyMac('HMAC_SHA_256', key, msg, new Uint8Array(0))).toBe(false)
    expect(verifyMac('HMAC_SHA_256', repeat(0x43, 32), msg, mac)).toBe(false)
    expect(verifyMac('HMAC_SHA_512', key, msg, mac)).toBe(false)
    expect(verifyMac('HMAC_SHA_256', key, utf8('messagE'), mac)).toBe(false)
  })
})

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/vectors/wycheproof')

/** SHA-256 of each file, from /work/shared/vectors/wycheproof/MANIFEST.tsv (test/vectors/README.md). */
const PINNED: Record<string, { sha256: string; algorithm: MacAlgorithm; tests: number }> = {
  'hmac_sha224_test.json': {
    sha256: '9b3a2470fe5bc8aa2d3e55f19772dc1f88fda897863ed4eaa4d8536c244c320b',
    algorithm: 'HMAC_SHA_224',
    tests: 172,
  },
  'hmac_sha256_test.json': {
    sha256: '2d201cfa61d1bf95e6f5d07d96634b4a348b31e8eaa277ad7c8d09677b7a743f',
    algorithm: 'HMAC_SHA_256',
    tests: 174,
  },
  'hmac_sha384_test.json': {
    sha256: '28b9776e979dd755d852ca471043ea6cedce8b15f7a28abdf6ea9efd982b43c0',
    algorithm: 'HMAC_SHA_384',
    tests: 174,
  },
  'hmac_sha512_test.json': {
    sha256: 'b6c90477bdb4a6fc8ee3d1f7b2c0b69a8dfffab34718abaa6cabd71cc2ba1207',
    algorithm: 'HMAC_SHA_512',
    tests: 174,
  },
}

interface MacTest {
  tcId: number
  key: string
  msg: string
  tag: string
  result: 'valid' | 'invalid' | 'acceptable'
}
interface MacGroup {
  keySize: number
  tagSize: number
  tests: MacTest[]
}

describe('Wycheproof HMAC-SHA-2', () => {
  for (const [name, pin] of Object.entries(PINNED)) {
    it(`${name}: every valid vector passes, every invalid one fails`, () => {
      const raw = readFileSync(resolve(DIR, name))
      expect(createHash('sha256').update(raw).digest('hex'), `${name} is the pinned upstream file`).toBe(pin.sha256)
      const file = JSON.parse(raw.toString('utf8')) as { numberOfTests: number; testGroups: MacGroup[] }
      const counts = { valid: 0, invalid: 0, acceptable: 0, fullLength: 0 }
      for (const group of file.testGroups) {
        const tagBytes = group.tagSize / 8
        for (const t of group.tests) {
          const key = hex(t.key)
          const msg = hex(t.msg)
          const tag = hex(t.tag)
          const mac = computeMac(pin.algorithm, key, msg)
          const ok = tag.length === tagBytes && timingSafeEqual(mac.subarray(0, tagBytes), tag)
          expect(ok, `tcId ${t.tcId}`).toBe(t.result === 'valid')
          if (tagBytes === MAC_LENGTH[pin.algorithm]) {
            counts.fullLength++
            expect(verifyMac(pin.algorithm, key, msg, tag), `verifyMac tcId ${t.tcId}`).toBe(t.result === 'valid')
          }
          counts[t.result]++
        }
      }
      expect(counts.valid + counts.invalid + counts.acceptable).toBe(pin.tests)
      expect(counts.acceptable).toBe(0)
      console.info(`${name}: ${counts.valid} valid, ${counts.invalid} invalid (${counts.fullLength} through verifyMac)`)
    })
  }
})
