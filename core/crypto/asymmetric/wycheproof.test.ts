/**
 * Wycheproof vectors for every asymmetric primitive the service uses, run through this module's
 * own functions (the same code that runs in workerd): ECDSA P-256 and secp256k1 (DER and
 * P1363), RSASSA-PSS, RSASSA-PKCS1-v1_5, RSAES-OAEP, AES-KWP. Every `valid` vector must pass,
 * every `invalid` one must fail, `acceptable` ones are counted and logged.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { sha224, sha384, sha512 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../bytes'
import { aesKwpUnwrap, aesKwpWrap } from './aes-kwp'
import { ecdsaVerifyDigest, type EcCurveName } from './ec'
import { rsaOaepDecrypt, rsaVerifyPkcs1Digest, rsaVerifyPssDigest, type RsaHashName } from './rsa'
import { nodeRsaEngine } from '../../platform/node-rsa-engine'

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/vectors/wycheproof')

/** SHA-256 of each file, from /work/shared/vectors/wycheproof/MANIFEST.tsv (test/vectors/README.md). */
const PINNED: Record<string, string> = {
  'aes_kwp_test.json': 'e89624734deeba8bb937acba5381a5cb137c7050bf8bfd0bd70bd8438170b436',
  'ecdsa_secp256r1_sha256_test.json': '182db4f3e230f6f9fa9f800d2a614dede30284b8e8438bbfe1171905402e9332',
  'ecdsa_secp256r1_sha256_p1363_test.json': 'c60de693930e386c3a5472d08081623ef8504decc54b38ac01ec6b2a2575c986',
  'ecdsa_secp256k1_sha256_test.json': '43db761c0a2eae71fb0755d355d5130e28ce64a5b07846cf27e7072082597a81',
  'ecdsa_secp256k1_sha256_p1363_test.json': '7a339efc7134fb2495cd32afdbd692e0f86427d3c24e9073f6a7d858bb8788d2',
  'rsa_pss_2048_sha256_mgf1_32_test.json': '7f6efafc160f4816b96cbf1c12188a31051d7e3f001e27505d9edb5f2a0e325c',
  'rsa_pss_3072_sha256_mgf1_32_test.json': 'cca48433e6d1accb57f65b3396c4f4dd93c776467101c3f0948e74c283fd4749',
  'rsa_pss_4096_sha256_mgf1_32_test.json': 'e627cbf5139a01e0a446c4fe15911f6268224fdd3ef4a1eb714b3942b5686410',
  'rsa_pss_misc_test.json': '1fac515f67fea8ccbf44ea08fde2de00cd76169f774a54ce2994c9963c31e84f',
  'rsa_signature_2048_sha256_test.json': '94a917b01ff50fb874cfc05bf29b4af44868d944a6558201cf18380da93fb393',
  'rsa_signature_3072_sha256_test.json': '0f5f18cabfaad3e2792e82f7e9882f8999049b456714de924b8a5e202f61ca43',
  'rsa_signature_4096_sha256_test.json': '957aca128e30bd02c8982f8ca482d6521d16683f4bbc3f193cdfd4c8f04bc667',
  'rsa_oaep_2048_sha1_mgf1sha1_test.json': '2c7b3694cd9265eb88ddb586ca29aefcea02938bde772e19a71a4fa601fc71c5',
  'rsa_oaep_2048_sha256_mgf1sha256_test.json': '83dce701e3d8640ac56e6d7bf37a5a8f9bd6a336e1e932a1e9bfe4ba9c5ea3a9',
  'rsa_oaep_3072_sha256_mgf1sha256_test.json': 'c8122302f522bfd539650c71c4aa966bd1f89acb50c6f4c190030fdb9b2684a4',
  'rsa_oaep_4096_sha256_mgf1sha256_test.json': 'e0eb85bcd6d66a85941ee3d98e44f7d1ffb0cf870ba6550e1ed3bec4174c60a9',
}

interface Test {
  tcId: number
  comment: string
  flags: string[]
  result: 'valid' | 'invalid' | 'acceptable'
  [field: string]: unknown
}
interface Group {
  tests: Test[]
  [field: string]: unknown
}

function load(name: string): { algorithm: string; testGroups: Group[] } {
  const raw = readFileSync(resolve(DIR, name))
  expect(createHash('sha256').update(raw).digest('hex'), `${name} is the pinned upstream file`).toBe(PINNED[name])
  return JSON.parse(raw.toString('utf8'))
}

const hex = (s: unknown): Uint8Array => {
  const b = typeof s === 'string' ? fromHex(s) : undefined
  if (b === undefined) throw new Error('bad hex in vector file')
  return b
}

const HASH: Record<RsaHashName, (m: Uint8Array) => Uint8Array> = {
  'SHA-1': sha1,
  'SHA-224': sha224,
  'SHA-256': sha256,
  'SHA-384': sha384,
  'SHA-512': sha512,
}

type Counts = { valid: number; invalid: number; acceptable: number; acceptableAccepted: number }

/** Runs `check` on every vector; returns the counts (and logs them). */
function run(name: string, check: (group: Group, t: Test) => boolean): Counts {
  const file = load(name)
  const counts: Counts = { valid: 0, invalid: 0, acceptable: 0, acceptableAccepted: 0 }
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      const label = `${name} tcId ${t.tcId} (${t.comment}) [${t.flags.join(',')}]`
      const ok = check(group, t)
      if (t.result === 'valid') {
        expect(ok, label).toBe(true)
        counts.valid++
      } else if (t.result === 'invalid') {
        expect(ok, label).toBe(false)
        counts.invalid++
      } else {
        counts.acceptable++
        if (ok) counts.acceptableAccepted++
      }
    }
  }
  console.log(
    `Wycheproof ${name}: ${counts.valid} valid accepted, ${counts.invalid} invalid rejected, ` +
      `${counts.acceptable} acceptable (${counts.acceptableAccepted} accepted)`,
  )
  expect(counts.valid + counts.invalid + counts.acceptable).toBeGreaterThan(0)
  return counts
}

const ECDSA_FILES: Array<[string, EcCurveName, 'der' | 'compact']> = [
  ['ecdsa_secp256r1_sha256_test.json', 'P-256', 'der'],
  ['ecdsa_secp256r1_sha256_p1363_test.json', 'P-256', 'compact'],
  ['ecdsa_secp256k1_sha256_test.json', 'secp256k1', 'der'],
  ['ecdsa_secp256k1_sha256_p1363_test.json', 'secp256k1', 'compact'],
]

describe('Wycheproof ECDSA (noble, prehash: false, lowS: false)', () => {
  for (const [name, curve, format] of ECDSA_FILES) {
    it(`${name}: every valid signature verifies, every invalid one does not`, () => {
      run(name, (group, t) => {
        expect(group.sha).toBe('SHA-256')
        return ecdsaVerifyDigest(curve, hex(group.publicKeyDer), sha256(hex(t.msg)), hex(t.sig), format)
      })
    })
  }
})

const PSS_FILES = [
  'rsa_pss_2048_sha256_mgf1_32_test.json',
  'rsa_pss_3072_sha256_mgf1_32_test.json',
  'rsa_pss_4096_sha256_mgf1_32_test.json',
  'rsa_pss_misc_test.json',
]

describe('Wycheproof RSASSA-PSS (raw public op + EMSA-PSS-VERIFY)', () => {
  for (const name of PSS_FILES) {
    it(`${name}: every valid signature verifies, every invalid one does not`, () => {
      run(name, (group, t) => {
        expect(group.mgf).toBe('MGF1')
        const sha = group.sha as RsaHashName
        return rsaVerifyPssDigest(
          nodeRsaEngine,
          hex(group.publicKeyDer),
          group.keySize as number,
          HASH[sha](hex(t.msg)),
          hex(t.sig),
          sha,
          group.sLen as number,
          group.mgfSha as RsaHashName,
        )
      })
    })
  }
})

const PKCS1_FILES = ['rsa_signature_2048_sha256_test.json', 'rsa_signature_3072_sha256_test.json', 'rsa_signature_4096_sha256_test.json']

describe('Wycheproof RSASSA-PKCS1-v1_5 (raw public op + encode-and-compare)', () => {
  for (const name of PKCS1_FILES) {
    it(`${name}: every valid signature verifies, every invalid one does not`, () => {
      const counts = run(name, (group, t) => {
        expect(group.sha).toBe('SHA-256')
        return rsaVerifyPkcs1Digest(
          nodeRsaEngine,
          hex(group.publicKeyDer),
          group.keySize as number,
          sha256(hex(t.msg)),
          hex(t.sig),
          'SHA-256',
        )
      })
      expect(counts.acceptable).toBe(1)
    })
  }
})

const OAEP_FILES = [
  'rsa_oaep_2048_sha1_mgf1sha1_test.json',
  'rsa_oaep_2048_sha256_mgf1sha256_test.json',
  'rsa_oaep_3072_sha256_mgf1sha256_test.json',
  'rsa_oaep_4096_sha256_mgf1sha256_test.json',
]

describe('Wycheproof RSAES-OAEP decryption (node:crypto engine)', () => {
  for (const name of OAEP_FILES) {
    it(`${name}: every valid ciphertext decrypts to its message, every invalid one fails`, () => {
      run(name, (group, t) => {
        expect(group.sha).toBe(group.mgfSha)
        const hash = group.sha as 'SHA-1' | 'SHA-256'
        try {
          const pt = rsaOaepDecrypt(nodeRsaEngine, hex(group.privateKeyPkcs8), hex(t.ct), hash, hex(t.label))
          expect(toHex(pt), `tcId ${t.tcId}`).toBe(t.msg)
          return true
        } catch {
          return false
        }
      })
    })
  }
})

describe('Wycheproof AES-KWP (RFC 5649, noble aeskwp)', () => {
  it('aes_kwp_test.json: every valid vector wraps and unwraps exactly, every invalid one is refused', () => {
    run('aes_kwp_test.json', (_group, t) => {
      const key = hex(t.key)
      const unwrapped = aesKwpUnwrap(key, hex(t.ct))
      if (unwrapped === undefined) return false
      expect(toHex(unwrapped)).toBe(t.msg)
      // Wrapping is deterministic: a valid vector must also re-wrap to the same bytes.
      if (t.result === 'valid') expect(toHex(aesKwpWrap(key, hex(t.msg)))).toBe(t.ct)
      return true
    })
  })
})
