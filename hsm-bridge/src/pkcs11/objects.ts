/**
 * @module hsm-bridge/pkcs11/objects
 *
 * Key objects on the token: the generation templates, lookup by CKA_ID, spec detection and the
 * public-key export. Objects are always found by CKA_ID (the UTF-8 bytes of the key id) and
 * never through a cached handle: handles do not survive re-initialisation, and some modules
 * reuse handle numbers after C_DestroyObject, so a cached handle could name another key.
 */

import type pkcs11js from 'pkcs11js'

import { BridgeError, keyNotFound, unsupportedOperation } from '../errors.js'
import { bitLength, ecPointFromAttribute, P256_EC_PARAMS, p256Spki, rsaSpki } from '../der.js'
import { P, type Handle } from './module.js'
import type { Session } from './session.js'

export const KEY_SPECS = [
  'AES_256',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'EC_P256',
  'HMAC_SHA_224',
  'HMAC_SHA_256',
  'HMAC_SHA_384',
  'HMAC_SHA_512',
] as const
export type KeySpec = (typeof KEY_SPECS)[number]

/**
 * HMAC keys: CKK_GENERIC_SECRET objects as long as the hash's output (AWS's key sizes), usable
 * only to sign and verify (ops/mac.ts).
 */
export const HMAC_KEY_BYTES: Readonly<Partial<Record<KeySpec, number>>> = {
  HMAC_SHA_224: 28,
  HMAC_SHA_256: 32,
  HMAC_SHA_384: 48,
  HMAC_SHA_512: 64,
}

/** Whether `spec` is a secret-key spec (no public key to return). */
export function isSecretSpec(spec: KeySpec): boolean {
  return spec === 'AES_256' || HMAC_KEY_BYTES[spec] !== undefined
}

const RSA_BITS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 }
const F4 = Buffer.from([0x01, 0x00, 0x01])

export interface KeyObject {
  handle: Handle
  cls: number
  keyType: number
}

/**
 * CKA_ID bytes of a key id.
 *
 * @throws never
 */
export function idBytes(id: string): Buffer {
  return Buffer.from(id, 'utf8')
}

/**
 * Reads a CK_ULONG attribute value (4 or 8 bytes, host order; pkcs11js on x86-64: LE).
 *
 * @throws {RangeError} for a value shorter than 4 bytes.
 */
export function readUlong(value: Buffer): number {
  return value.length >= 8 ? Number(value.readBigUInt64LE(0)) : value.readUInt32LE(0)
}

function common(id: string): pkcs11js.Template {
  return [
    { type: P.CKA_TOKEN, value: true },
    { type: P.CKA_PRIVATE, value: true },
    { type: P.CKA_ID, value: idBytes(id) },
    { type: P.CKA_LABEL, value: id },
  ]
}

/**
 * Secret and private keys: never readable or extractable, and no unwrap/derive. (CKA_WRAP exists
 * only on secret and public keys; SoftHSM rejects it on private keys.)
 */
function hidden(): pkcs11js.Template {
  return [
    { type: P.CKA_SENSITIVE, value: true },
    { type: P.CKA_EXTRACTABLE, value: false },
    { type: P.CKA_UNWRAP, value: false },
    { type: P.CKA_DERIVE, value: false },
  ]
}

/**
 * Generates the key material for `spec` on the token (objects as in the module comment).
 *
 * @throws {Error} pkcs11js Pkcs11Error from C_GenerateKey / C_GenerateKeyPair.
 */
export async function generateKeyObjects(s: Session, id: string, spec: KeySpec): Promise<void> {
  const hmacBytes = HMAC_KEY_BYTES[spec]
  if (hmacBytes !== undefined) {
    await s.generateKey({ mechanism: P.CKM_GENERIC_SECRET_KEY_GEN }, [
      ...common(id),
      ...hidden(),
      { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
      { type: P.CKA_KEY_TYPE, value: P.CKK_GENERIC_SECRET },
      { type: P.CKA_VALUE_LEN, value: hmacBytes },
      { type: P.CKA_WRAP, value: false },
      { type: P.CKA_ENCRYPT, value: false },
      { type: P.CKA_DECRYPT, value: false },
      { type: P.CKA_SIGN, value: true },
      { type: P.CKA_VERIFY, value: true },
    ])
    return
  }
  if (spec === 'AES_256') {
    await s.generateKey({ mechanism: P.CKM_AES_KEY_GEN }, [
      ...common(id),
      ...hidden(),
      { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
      { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
      { type: P.CKA_VALUE_LEN, value: 32 },
      { type: P.CKA_WRAP, value: false },
      { type: P.CKA_ENCRYPT, value: true },
      { type: P.CKA_DECRYPT, value: true },
      { type: P.CKA_SIGN, value: false },
      { type: P.CKA_VERIFY, value: false },
    ])
    return
  }
  if (spec === 'EC_P256') {
    await s.generateKeyPair(
      { mechanism: P.CKM_EC_KEY_PAIR_GEN },
      [
        ...common(id),
        { type: P.CKA_CLASS, value: P.CKO_PUBLIC_KEY },
        { type: P.CKA_KEY_TYPE, value: P.CKK_EC },
        { type: P.CKA_EC_PARAMS, value: P256_EC_PARAMS },
        { type: P.CKA_VERIFY, value: true },
        { type: P.CKA_ENCRYPT, value: false },
        { type: P.CKA_WRAP, value: false },
      ],
      [
        ...common(id),
        ...hidden(),
        { type: P.CKA_CLASS, value: P.CKO_PRIVATE_KEY },
        { type: P.CKA_KEY_TYPE, value: P.CKK_EC },
        { type: P.CKA_SIGN, value: true },
        { type: P.CKA_DECRYPT, value: false },
      ],
    )
    return
  }
  await s.generateKeyPair(
    { mechanism: P.CKM_RSA_PKCS_KEY_PAIR_GEN },
    [
      ...common(id),
      { type: P.CKA_CLASS, value: P.CKO_PUBLIC_KEY },
      { type: P.CKA_KEY_TYPE, value: P.CKK_RSA },
      { type: P.CKA_MODULUS_BITS, value: RSA_BITS[spec]! },
      { type: P.CKA_PUBLIC_EXPONENT, value: F4 },
      { type: P.CKA_VERIFY, value: true },
      { type: P.CKA_ENCRYPT, value: true },
      { type: P.CKA_WRAP, value: false },
    ],
    [
      ...common(id),
      ...hidden(),
      { type: P.CKA_CLASS, value: P.CKO_PRIVATE_KEY },
      { type: P.CKA_KEY_TYPE, value: P.CKK_RSA },
      { type: P.CKA_SIGN, value: true },
      { type: P.CKA_DECRYPT, value: true },
    ],
  )
}

/**
 * Every token object with CKA_ID = `id`, with its class and key type.
 *
 * @throws {Error} pkcs11js Pkcs11Error.
 */
export function findKeyObjects(s: Session, id: string): KeyObject[] {
  const handles = s.find([
    { type: P.CKA_TOKEN, value: true },
    { type: P.CKA_ID, value: idBytes(id) },
  ])
  return handles.map((handle) => {
    const [cls, keyType] = s.attributes(handle, [P.CKA_CLASS, P.CKA_KEY_TYPE])
    return { handle, cls: readUlong(cls!), keyType: readUlong(keyType!) }
  })
}

/**
 * The single object of class `cls` with one of `keyTypes` for `id`.
 *
 * @throws {BridgeError} KeyNotFound when nothing has this id; UnsupportedOperation when the key
 *   exists but is of another kind; Internal when the id is ambiguous.
 * @throws {Error} pkcs11js Pkcs11Error.
 */
export function resolveKey(s: Session, id: string, cls: number, keyTypes: readonly number[]): KeyObject {
  const objects = findKeyObjects(s, id)
  if (objects.length === 0) throw keyNotFound()
  const matching = objects.filter((o) => o.cls === cls && keyTypes.includes(o.keyType))
  if (matching.length === 0) throw unsupportedOperation('The key does not support this operation.')
  if (matching.length > 1) {
    // Two bridges generating the same id at once; refuse rather than pick one of two keys.
    throw new BridgeError('Internal', 'More than one key object carries this id.')
  }
  return matching[0]!
}

/**
 * The spec of the key material behind `objects`, and whether it is complete (a key pair needs
 * its private half). Undefined spec: not something the bridge creates.
 *
 * @throws {Error} pkcs11js Pkcs11Error.
 */
export function detectSpec(s: Session, objects: KeyObject[]): { spec: KeySpec | undefined; complete: boolean } {
  const secret = objects.find((o) => o.cls === P.CKO_SECRET_KEY)
  if (secret !== undefined) {
    const [len] = s.attributes(secret.handle, [P.CKA_VALUE_LEN])
    const bytes = readUlong(len!)
    const spec =
      secret.keyType === P.CKK_AES && bytes === 32
        ? 'AES_256'
        : secret.keyType === P.CKK_GENERIC_SECRET
          ? KEY_SPECS.find((k) => HMAC_KEY_BYTES[k] === bytes)
          : undefined
    return { spec, complete: objects.length === 1 }
  }
  const priv = objects.find((o) => o.cls === P.CKO_PRIVATE_KEY)
  const pub = objects.find((o) => o.cls === P.CKO_PUBLIC_KEY)
  const any = priv ?? pub
  if (any === undefined) return { spec: undefined, complete: false }
  const complete = priv !== undefined && pub !== undefined && objects.length === 2
  if (any.keyType === P.CKK_RSA) {
    const [modulus] = s.attributes(any.handle, [P.CKA_MODULUS])
    const spec = `RSA_${bitLength(modulus!)}`
    return { spec: spec in RSA_BITS ? (spec as KeySpec) : undefined, complete }
  }
  if (any.keyType === P.CKK_EC) {
    const [params] = s.attributes(any.handle, [P.CKA_EC_PARAMS])
    return { spec: params!.equals(P256_EC_PARAMS) ? 'EC_P256' : undefined, complete }
  }
  return { spec: undefined, complete }
}

/**
 * SubjectPublicKeyInfo DER of the asymmetric key behind `objects` (public object preferred; an
 * RSA private key also carries modulus and public exponent).
 *
 * @throws {BridgeError} UnsupportedOperation for symmetric keys.
 * @throws {Error} pkcs11js Pkcs11Error.
 */
export function publicKeySpki(s: Session, objects: KeyObject[]): Buffer {
  const pub = objects.find((o) => o.cls === P.CKO_PUBLIC_KEY)
  const priv = objects.find((o) => o.cls === P.CKO_PRIVATE_KEY)
  if (pub?.keyType === P.CKK_EC) {
    const [params, point] = s.attributes(pub.handle, [P.CKA_EC_PARAMS, P.CKA_EC_POINT])
    if (!params!.equals(P256_EC_PARAMS)) {
      throw unsupportedOperation('Only P-256 keys are supported.')
    }
    return p256Spki(ecPointFromAttribute(point!))
  }
  const rsa = pub?.keyType === P.CKK_RSA ? pub : priv?.keyType === P.CKK_RSA ? priv : undefined
  if (rsa !== undefined) {
    const [modulus, exponent] = s.attributes(rsa.handle, [P.CKA_MODULUS, P.CKA_PUBLIC_EXPONENT])
    return rsaSpki(modulus!, exponent!)
  }
  throw unsupportedOperation('The key has no public key.')
}
