/**
 * @module functions/alibaba/fields
 *
 * Parameter fields for action schemas (functions/alibaba/action.ts), each a limit declared once.
 * Every field reads through {@link Params}, which names the parameter in its error and never
 * echoes the value.
 */
import type { Field } from './action'
import { filterList, tagList, type Params } from './params'

interface TextOptions {
  max?: number
  min?: number
  allowControl?: boolean
}

/** A required, non-empty string (MissingParameter when absent or empty). */
export function text(opts: TextOptions = {}): Field<string> {
  return { describe: `string ≤ ${opts.max ?? 8192}`, read: (p, n) => p.string(n, opts) }
}

/** An optional string (undefined when absent; `''` stays `''`). */
export function optionalText(opts: TextOptions = {}): Field<string | undefined> {
  return { describe: `optional string ≤ ${opts.max ?? 8192}`, read: (p, n) => p.optionalString(n, opts) }
}

export function bool(): Field<boolean> {
  return { describe: 'true | false', read: (p, n) => p.boolean(n) }
}

export function optionalBool(): Field<boolean | undefined> {
  return { describe: 'optional true | false', read: (p, n) => p.optionalBoolean(n) }
}

export function int(min: number, max: number): Field<number> {
  return { describe: `integer ${min}..${max}`, read: (p, n) => p.integer(n, min, max) }
}

export function optionalInt(min: number, max: number): Field<number | undefined> {
  return { describe: `optional integer ${min}..${max}`, read: (p, n) => p.optionalInteger(n, min, max) }
}

/** Strict standard base64 decoding to at most `maxDecoded` bytes. */
export function base64(maxDecoded: number): Field<Uint8Array> {
  return { describe: `base64 ≤ ${maxDecoded} bytes`, read: (p, n) => p.base64(n, maxDecoded) }
}

/** An optional JSON parameter shaped by `validate`. */
export function optionalJson<T>(validate: (name: string) => (value: unknown) => T, max = 32768): Field<T | undefined> {
  return { describe: `optional JSON ≤ ${max}`, read: (p, n) => p.optionalJson(n, validate(n), max) }
}

/** An encryption context (JSON or flattened), `{}` when absent. */
export function encryptionContext(): Field<Record<string, string>> {
  return { describe: 'encryption context', read: (p, n) => p.encryptionContext(n) }
}

/** A field read by a custom function (for parameters with several accepted forms). */
export function custom<T>(describe: string, read: (params: Params, name: string) => T): Field<T> {
  return { describe, read }
}

/** A key named by id, key ARN, alias or alias ARN. */
export const KEY_ID = text({ max: 512 })
export const OPTIONAL_KEY_ID = optionalText({ max: 512 })
/** A secret named by name or ARN. */
export const SECRET_NAME = text({ max: 1024 })
export const DESCRIPTION = optionalText({ max: 8192 })
/** `[{"TagKey","TagValue"}]`, at most 20. */
export const TAGS = optionalJson(tagList)
/** Alibaba's `Filters`. */
export const FILTERS = optionalJson(filterList)
/** Alibaba's page-number pagination: PageNumber ≥ 1 (default 1), PageSize 1–100 (default 10). */
export const PAGE_NUMBER = custom('optional integer 1..100000, default 1', (p, n) => p.optionalInteger(n, 1, 100_000) ?? 1)
export const PAGE_SIZE = custom('optional integer 1..100, default 10', (p, n) => p.optionalInteger(n, 1, 100) ?? 10)
/** A key version id (`KeyVersionId`). */
export const KEY_VERSION_ID = text({ max: 128 })
