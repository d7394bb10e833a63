/**
 * The part of workerd's `nodejs_compat` modules the Worker uses (core/platform/node-rsa-engine.ts),
 * for the configs that see no Node types (functions/tsconfig.json, core/tsconfig.json). Node and
 * workerd both provide these; @cloudflare/workers-types does not declare them, and @types/node
 * would declare the whole of Node, most of which workerd lacks. Node-side configs use @types/node
 * and never include this file.
 */
declare module 'node:buffer' {
  export type Buffer = Uint8Array
  export const Buffer: {
    from(arrayBuffer: ArrayBufferLike, byteOffset?: number, length?: number): Buffer
  }
}

declare module 'node:crypto' {
  import type { Buffer } from 'node:buffer'

  interface DerKey {
    key: Uint8Array
    format: 'der'
    type: 'pkcs8' | 'spki'
  }
  interface RsaKeyInput extends DerKey {
    padding?: number
    oaepHash?: string
    oaepLabel?: Uint8Array
  }
  export interface KeyObject {
    readonly asymmetricKeyType?: string
    readonly asymmetricKeyDetails?: { modulusLength?: number }
  }

  export const constants: {
    readonly RSA_NO_PADDING: number
    readonly RSA_PKCS1_PADDING: number
    readonly RSA_PKCS1_OAEP_PADDING: number
  }
  export function privateDecrypt(key: RsaKeyInput, buffer: Uint8Array): Buffer
  export function privateEncrypt(key: RsaKeyInput, buffer: Uint8Array): Buffer
  export function publicDecrypt(key: RsaKeyInput, buffer: Uint8Array): Buffer
  export function publicEncrypt(key: RsaKeyInput, buffer: Uint8Array): Buffer
  export function createPrivateKey(key: DerKey): KeyObject
  export function createPublicKey(key: DerKey): KeyObject
}
