/**
 * @module functions/aws/action
 *
 * The AWS dialect is a second adapter over the same action descriptors
 * (functions/alibaba/action.ts), not a copy: each AWS operation names the descriptor whose
 * permission and core call it uses, a mapping from AWS's JSON request to that descriptor's
 * parameters, and a mapping from its result to AWS's JSON response. Authorisation, audit, the
 * key-state table and every domain rule are therefore the same for both dialects; only names,
 * encodings (JSON objects, epoch-second timestamps, AWS ARNs) and error shapes differ.
 *
 * A few AWS operations have no Alibaba counterpart (GenerateRandom, ListKeyPolicies, …): they
 * get their own descriptor with its own permission, registered only here.
 */
import { KmsError, invalidParameter } from '../../core/errors'
import type { ActionDescriptor } from '../alibaba/action'
import type { ActionContext } from '../alibaba/context'
import type { AwsService } from './errors'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

/** What the mappings may know about the call (never the secret material). */
export interface AwsCallContext {
  region: string
  /** The account the call runs in (the caller's, or the key owner's for cross-account use). */
  accountId: string
}

export interface AwsAction {
  service: AwsService
  /** The AWS operation name (`X-Amz-Target: TrentService.<name>` / `secretsmanager.<name>`). */
  name: string
  /** The descriptor whose permission and handler serve the call. */
  via: ActionDescriptor
  /** AWS request body → the descriptor's parameters (strings, as the Alibaba dialect carries them). */
  request(body: JsonObject, call: AwsCallContext): Record<string, string>
  /** The descriptor's result → AWS's response body. May refuse (e.g. Decrypt's KeyId check). */
  response(out: Record<string, unknown>, call: AwsCallContext, body: JsonObject, ctx: ActionContext): Promise<JsonObject> | JsonObject
}

/** Declares one AWS operation. */
export function awsAction(action: AwsAction): AwsAction {
  return action
}

// Request readers: type errors name the field and never echo its value.

export function str(body: JsonObject, name: string): string | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw invalidParameter(name, 'must be a string.')
  return v
}

export function num(body: JsonObject, name: string): number | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidParameter(name, 'must be an integer.')
  return v
}

export function bool(body: JsonObject, name: string): boolean | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw invalidParameter(name, 'must be a boolean.')
  return v
}

/** A string→string map (EncryptionContext), as the JSON text the Alibaba parameters carry. */
export function stringMap(body: JsonObject, name: string): string | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw invalidParameter(name, 'must be a map of strings to strings.')
  }
  return JSON.stringify(v)
}

export function list(body: JsonObject, name: string): Json[] | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw invalidParameter(name, 'must be a list.')
  return v
}

/** Drops undefined values (absent AWS fields are absent Alibaba parameters). */
export function params(entries: Record<string, string | number | boolean | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out[k] = String(v)
  return out
}

/** An ISO-8601 time as AWS's epoch seconds (JSON number); undefined stays undefined. */
export function epochSeconds(iso: unknown): number | undefined {
  if (typeof iso !== 'string' || iso === '') return undefined
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? undefined : ms / 1000
}

/** Drops undefined members, so the JSON response has no nulls where AWS has no field. */
export function compact(obj: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v
  return out
}

export function unsupported(what: string): KmsError {
  return new KmsError('key.unsupportedOperation', `${what} is not supported by this service.`)
}
