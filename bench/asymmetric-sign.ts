/**
 * @module bench/asymmetric-sign
 *
 * Sign and verify throughput per key spec, in process, with the service's primitives
 * (core/crypto/asymmetric: digest-based signing as AsymmetricSign/Verify do it, including the
 * per-call PKCS#8 / SPKI parsing) next to the same primitive called directly in the same run:
 * WebCrypto sign/verify of the message with a pre-imported key (RSA, P-256) and with the key
 * imported per call (what a request has to do: the private key is unwrapped per request),
 * noble on a pre-parsed scalar (EC) and node:crypto (secp256k1, which WebCrypto lacks).
 *
 *   npx tsx bench/asymmetric-sign.ts [--ms 1500]
 *
 * The implementations of one spec and operation share `--ms` milliseconds each, measured in
 * interleaved slices (after a short warm-up), and report operations per second and mean latency. Numbers are from Node (OpenSSL); inside workerd the engine is
 * BoringSSL.
 */
import * as nodeCrypto from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { toArrayBuffer } from '../core/crypto/bytes'
import { randomBytes } from '../core/crypto/random'
import {
  ecdsaSignDigest,
  ecdsaVerifyDigest,
  ecScalarFromPkcs8,
  ecPointFromSpki,
  generateEcKeyPair,
  type EcCurveName,
} from '../core/crypto/asymmetric/ec'
import {
  generateRsaKeyPair,
  rsaSignPkcs1Digest,
  rsaSignPssDigest,
  rsaVerifyPkcs1Digest,
  rsaVerifyPssDigest,
} from '../core/crypto/asymmetric/rsa'
import { nodeRsaEngine as engine } from '../core/platform/node-rsa-engine'

const msArg = process.argv.indexOf('--ms')
const BUDGET_MS = msArg > 0 ? Number(process.argv[msArg + 1]) : 1500

interface Row {
  spec: string
  operation: string
  implementation: string
  opsPerSec: number
  meanMs: number
}

const SLICES = 15

type Case = { implementation: string; fn: () => unknown | Promise<unknown>; check: () => boolean | Promise<boolean> }

/**
 * Measures the implementations of one spec and operation together: round-robin slices of
 * BUDGET_MS / SLICES each, so background load (a shared 2-core machine) hits them alike.
 */
async function compare(spec: string, operation: string, cases: Case[]): Promise<void> {
  const totals = cases.map(() => ({ ops: 0, ms: 0 }))
  for (const [i, c] of cases.entries()) {
    if (!(await c.check())) throw new Error(`self-check failed: ${spec} ${operation} ${c.implementation}`)
    const warm = performance.now() + 100
    while (performance.now() < warm) await cases[i]!.fn()
  }
  const slice = BUDGET_MS / SLICES
  for (let round = 0; round < SLICES; round++) {
    for (const [i, c] of cases.entries()) {
      const start = performance.now()
      const end = start + slice
      let ops = 0
      while (performance.now() < end) {
        await c.fn()
        ops++
      }
      totals[i]!.ops += ops
      totals[i]!.ms += performance.now() - start
    }
  }
  for (const [i, c] of cases.entries()) {
    const { ops, ms } = totals[i]!
    rows.push({ spec, operation, implementation: c.implementation, opsPerSec: (ops * 1000) / ms, meanMs: ms / ops })
  }
}

const rows: Row[] = []

const message = randomBytes(256)
const digest = sha256(message)

async function rsa(bits: 2048 | 3072 | 4096) {
  const spec = `RSA_${bits}`
  const pair = await generateRsaKeyPair(bits)
  const pssPriv = await crypto.subtle.importKey('pkcs8', toArrayBuffer(pair.pkcs8), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign'])
  const pssPub = await crypto.subtle.importKey('spki', toArrayBuffer(pair.spki), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify'])
  const v15Priv = await crypto.subtle.importKey('pkcs8', toArrayBuffer(pair.pkcs8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
    'sign',
  ])
  const v15Pub = await crypto.subtle.importKey('spki', toArrayBuffer(pair.spki), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
    'verify',
  ])
  const msg = toArrayBuffer(message)
  const pss = rsaSignPssDigest(engine, pair.pkcs8, bits, digest, 'SHA-256', 32, randomBytes)
  const v15 = rsaSignPkcs1Digest(engine, pair.pkcs8, digest, 'SHA-256')
  const webPss = new Uint8Array(await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pssPriv, msg))
  const webV15 = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', v15Priv, msg))

  const pssSign = () => rsaSignPssDigest(engine, pair.pkcs8, bits, digest, 'SHA-256', 32, randomBytes)
  await compare(spec, 'sign PSS', [
    {
      implementation: 'service (EMSA-PSS + engine raw op, digest)',
      fn: pssSign,
      check: () => rsaVerifyPssDigest(engine, pair.spki, bits, digest, pssSign(), 'SHA-256', 32),
    },
    {
      implementation: 'WebCrypto RSA-PSS (pre-imported key, message)',
      fn: () => crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pssPriv, msg),
      check: () => rsaVerifyPssDigest(engine, pair.spki, bits, digest, webPss, 'SHA-256', 32),
    },
    {
      implementation: 'WebCrypto RSA-PSS (importKey per call, message)',
      fn: async () => {
        const key = await crypto.subtle.importKey('pkcs8', toArrayBuffer(pair.pkcs8), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign'])
        return crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, key, msg)
      },
      check: () => true,
    },
  ])
  await compare(spec, 'sign PKCS1', [
    {
      implementation: 'service (engine PKCS#1 type 1, digest)',
      fn: () => rsaSignPkcs1Digest(engine, pair.pkcs8, digest, 'SHA-256'),
      check: () => rsaVerifyPkcs1Digest(engine, pair.spki, bits, digest, v15, 'SHA-256'),
    },
    {
      implementation: 'WebCrypto RSASSA-PKCS1-v1_5 (pre-imported key, message)',
      fn: () => crypto.subtle.sign('RSASSA-PKCS1-v1_5', v15Priv, msg),
      check: () => rsaVerifyPkcs1Digest(engine, pair.spki, bits, digest, webV15, 'SHA-256'),
    },
  ])
  await compare(spec, 'verify PSS', [
    {
      implementation: 'service (engine raw op + EMSA-PSS-VERIFY)',
      fn: () => rsaVerifyPssDigest(engine, pair.spki, bits, digest, pss, 'SHA-256', 32),
      check: () => rsaVerifyPssDigest(engine, pair.spki, bits, digest, pss, 'SHA-256', 32),
    },
    {
      implementation: 'WebCrypto RSA-PSS (pre-imported key, message)',
      fn: () => crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, toArrayBuffer(pss), msg),
      check: () => crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, toArrayBuffer(pss), msg),
    },
  ])
  await compare(spec, 'verify PKCS1', [
    {
      implementation: 'service (engine raw op + encode-compare)',
      fn: () => rsaVerifyPkcs1Digest(engine, pair.spki, bits, digest, v15, 'SHA-256'),
      check: () => rsaVerifyPkcs1Digest(engine, pair.spki, bits, digest, v15, 'SHA-256'),
    },
    {
      implementation: 'WebCrypto RSASSA-PKCS1-v1_5 (pre-imported key, message)',
      fn: () => crypto.subtle.verify('RSASSA-PKCS1-v1_5', v15Pub, toArrayBuffer(v15), msg),
      check: () => crypto.subtle.verify('RSASSA-PKCS1-v1_5', v15Pub, toArrayBuffer(v15), msg),
    },
  ])
}

async function ec(curve: EcCurveName) {
  const spec = curve === 'P-256' ? 'EC_P256' : 'EC_P256K'
  const noble = curve === 'P-256' ? p256 : secp256k1
  const pair = await generateEcKeyPair(curve, randomBytes)
  const d = ecScalarFromPkcs8(curve, pair.pkcs8)
  const point = ecPointFromSpki(curve, pair.spki)
  const der = ecdsaSignDigest(curve, pair.pkcs8, digest, randomBytes)
  const sign: Case[] = [
    {
      implementation: 'service (noble, PKCS#8 parse + hedged, digest)',
      fn: () => ecdsaSignDigest(curve, pair.pkcs8, digest, randomBytes),
      check: () => ecdsaVerifyDigest(curve, pair.spki, digest, ecdsaSignDigest(curve, pair.pkcs8, digest, randomBytes)),
    },
    {
      implementation: 'noble direct (parsed scalar, RFC 6979)',
      fn: () => noble.sign(digest, d, { prehash: false, format: 'der' }),
      check: () => ecdsaVerifyDigest(curve, pair.spki, digest, noble.sign(digest, d, { prehash: false, format: 'der' })),
    },
  ]
  const verify: Case[] = [
    {
      implementation: 'service (noble, SPKI parse, lowS: false)',
      fn: () => ecdsaVerifyDigest(curve, pair.spki, digest, der),
      check: () => ecdsaVerifyDigest(curve, pair.spki, digest, der),
    },
    {
      implementation: 'noble direct (parsed point)',
      fn: () => noble.verify(der, digest, point, { prehash: false, lowS: false, format: 'der' }),
      check: () => noble.verify(der, digest, point, { prehash: false, lowS: false, format: 'der' }),
    },
  ]
  if (curve === 'P-256') {
    const priv = await crypto.subtle.importKey('pkcs8', toArrayBuffer(pair.pkcs8), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
    const pub = await crypto.subtle.importKey('spki', toArrayBuffer(pair.spki), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
    const msg = toArrayBuffer(message)
    const p1363 = toArrayBuffer(p256.Signature.fromBytes(der, 'der').toBytes('compact'))
    sign.push(
      {
        implementation: 'WebCrypto ECDSA (pre-imported key, message)',
        fn: () => crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, msg),
        check: async () =>
          ecdsaVerifyDigest(
            curve,
            pair.spki,
            digest,
            new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, msg)),
            'compact',
          ),
      },
      {
        implementation: 'WebCrypto ECDSA (importKey per call, message)',
        fn: async () => {
          const key = await crypto.subtle.importKey('pkcs8', toArrayBuffer(pair.pkcs8), { name: 'ECDSA', namedCurve: 'P-256' }, false, [
            'sign',
          ])
          return crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, msg)
        },
        check: () => true,
      },
    )
    verify.push({
      implementation: 'WebCrypto ECDSA (pre-imported key, message)',
      fn: () => crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, p1363, msg),
      check: () => crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, p1363, msg),
    })
  } else {
    const priv = nodeCrypto.createPrivateKey({ key: Buffer.from(pair.pkcs8), format: 'der', type: 'pkcs8' })
    const pub = nodeCrypto.createPublicKey({ key: Buffer.from(pair.spki), format: 'der', type: 'spki' })
    sign.push({
      implementation: 'node:crypto (message; no WebCrypto secp256k1)',
      fn: () => nodeCrypto.sign('sha256', message, priv),
      check: () => ecdsaVerifyDigest(curve, pair.spki, digest, nodeCrypto.sign('sha256', message, priv)),
    })
    verify.push({
      implementation: 'node:crypto (message)',
      fn: () => nodeCrypto.verify('sha256', message, pub, der),
      check: () => nodeCrypto.verify('sha256', message, pub, der),
    })
  }
  await compare(spec, 'sign ECDSA', sign)
  await compare(spec, 'verify ECDSA', verify)
}

async function main() {
  for (const bits of [2048, 3072, 4096] as const) await rsa(bits)
  await ec('P-256')
  await ec('secp256k1')
  const header = ['spec', 'operation', 'implementation', 'ops/s', 'mean ms']
  const table = rows.map((r) => [r.spec, r.operation, r.implementation, r.opsPerSec.toFixed(0), r.meanMs.toFixed(3)])
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`
  console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}, ${BUDGET_MS} ms per case`)
  console.log(line(header))
  console.log(`|${widths.map((w, i) => (i >= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`)
  for (const t of table) console.log(line(t))
}

await main()
