/**
 * @module functions/alibaba/params
 *
 * Typed access to the RPC parameters of one request (query and form merged). Every accessor
 * throws Alibaba's `MissingParameter` / `InvalidParameter` (through KmsError) with the
 * parameter's name and never echoes the value.
 */
import { fromBase64 } from '../../core/crypto/bytes'
import { parseEncryptionContextJson, validateEncryptionContext } from '../../core/crypto/context'
import { parseExtendedConfig, type ExtendedConfig } from '../../core/domain/secrets/extended-config'
import { invalidParameter, missingParameter } from '../../core/errors'

/** Protocol parameters that are never business input. */
export const COMMON_PARAMETERS = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'SecurityToken',
  'RegionId',
])

const CONTROL = /[\u0000-\u001f\u007f]/

export class Params {
  constructor(private readonly values: Map<string, string>) {}

  has(name: string): boolean {
    return this.values.has(name)
  }

  /** Every parameter whose name starts with `prefix`. */
  withPrefix(prefix: string): Array<[string, string]> {
    return [...this.values].filter(([k]) => k.startsWith(prefix))
  }

  optionalString(name: string, opts: { max?: number; allowControl?: boolean; min?: number } = {}): string | undefined {
    const value = this.values.get(name)
    if (value === undefined) return undefined
    const max = opts.max ?? 8192
    if (value.length > max) throw invalidParameter(name, `must be at most ${max} characters.`)
    if (opts.min !== undefined && value.length < opts.min) throw invalidParameter(name, `must be at least ${opts.min} characters.`)
    if (!opts.allowControl && CONTROL.test(value)) throw invalidParameter(name, 'must not contain control characters.')
    return value
  }

  string(name: string, opts: { max?: number; allowControl?: boolean } = {}): string {
    const value = this.optionalString(name, opts)
    if (value === undefined || value === '') throw missingParameter(name)
    return value
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.values.get(name)
    if (value === undefined || value === '') return undefined
    const lower = value.toLowerCase()
    if (lower === 'true') return true
    if (lower === 'false') return false
    throw invalidParameter(name, 'must be true or false.')
  }

  boolean(name: string): boolean {
    const value = this.optionalBoolean(name)
    if (value === undefined) throw missingParameter(name)
    return value
  }

  optionalInteger(name: string, min: number, max: number): number | undefined {
    const value = this.values.get(name)
    if (value === undefined || value === '') return undefined
    if (!/^-?\d{1,10}$/.test(value)) throw invalidParameter(name, 'must be an integer.')
    const n = Number(value)
    if (n < min || n > max) throw invalidParameter(name, `must be between ${min} and ${max}.`)
    return n
  }

  integer(name: string, min: number, max: number): number {
    const value = this.optionalInteger(name, min, max)
    if (value === undefined) throw missingParameter(name)
    return value
  }

  /** Strict standard base64. */
  base64(name: string, maxDecoded: number): Uint8Array {
    const value = this.string(name, { max: Math.ceil(maxDecoded / 3) * 4 + 4 })
    const bytes = fromBase64(value)
    if (!bytes) throw invalidParameter(name, 'must be valid standard base64.')
    if (bytes.length > maxDecoded) throw invalidParameter(name, `must decode to at most ${maxDecoded} bytes.`)
    return bytes
  }

  /** A JSON parameter; `validate` shapes it (and throws InvalidParameter on a wrong shape). */
  optionalJson<T>(name: string, validate: (value: unknown) => T, max = 32768): T | undefined {
    const raw = this.optionalString(name, { max, allowControl: true })
    if (raw === undefined || raw === '') return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      throw invalidParameter(name, 'must be valid JSON.')
    }
    return validate(parsed)
  }

  /**
   * A repeated parameter of strings: a JSON array (`ResourceId=["a","b"]`, the docs' form) or
   * numbered (`ResourceId.1=a&ResourceId.2=b`, what the generated SDKs send for a list).
   */
  repeatedStrings(name: string, maxItems: number, maxLength = 512): string[] {
    const json = this.values.get(name)
    const numbered = this.withPrefix(`${name}.`)
    if (json !== undefined && json !== '' && numbered.length > 0) {
      throw invalidParameter(name, 'give the list either as JSON or numbered, not both.')
    }
    let list: unknown[]
    if (numbered.length > 0) {
      list = numbered
        .map(([k, v]) => {
          const index = k.slice(name.length + 1)
          if (!/^[1-9]\d{0,3}$/.test(index)) throw invalidParameter(name, `numbered items are ${name}.1, ${name}.2, ….`)
          return [Number(index), v] as const
        })
        .sort((a, b) => a[0] - b[0])
        .map(([, v]) => v)
    } else {
      const parsed = this.optionalJson(name, (v) => v)
      if (parsed === undefined) return []
      if (!Array.isArray(parsed)) throw invalidParameter(name, 'must be a JSON array of strings.')
      list = parsed
    }
    if (list.length > maxItems) throw invalidParameter(name, `must list at most ${maxItems} items.`)
    for (const v of list) {
      if (typeof v !== 'string' || v === '' || v.length > maxLength || CONTROL.test(v)) {
        throw invalidParameter(name, `each item must be 1 to ${maxLength} characters without control characters.`)
      }
    }
    return list as string[]
  }

  /**
   * Tags of the batch actions: `Tag=[{"Key":"k","Value":"v"}]` or numbered
   * (`Tag.1.Key=k&Tag.1.Value=v`), as `{TagKey, TagValue}`.
   */
  repeatedTags(name: string, maxItems = 20): Array<{ TagKey: string; TagValue: string }> {
    const json = this.values.get(name)
    const numbered = this.withPrefix(`${name}.`)
    if (json !== undefined && json !== '' && numbered.length > 0) {
      throw invalidParameter(name, 'give the tags either as JSON or numbered, not both.')
    }
    let list: Array<{ Key?: unknown; Value?: unknown }>
    if (numbered.length > 0) {
      const byIndex = new Map<number, { Key?: unknown; Value?: unknown }>()
      for (const [k, v] of numbered) {
        const m = /^(\d{1,4})\.(Key|Value)$/.exec(k.slice(name.length + 1))
        if (!m || m[1]!.startsWith('0')) throw invalidParameter(name, `numbered tags are ${name}.N.Key and ${name}.N.Value.`)
        const entry = byIndex.get(Number(m[1])) ?? {}
        entry[m[2] as 'Key' | 'Value'] = v
        byIndex.set(Number(m[1]), entry)
      }
      list = [...byIndex].sort((a, b) => a[0] - b[0]).map(([, e]) => e)
    } else {
      const parsed = this.optionalJson(name, (v) => v)
      if (parsed === undefined) return []
      if (!Array.isArray(parsed)) throw invalidParameter(name, 'must be a JSON array of {"Key","Value"} objects.')
      list = parsed
    }
    if (list.length > maxItems) throw invalidParameter(name, `must list at most ${maxItems} tags.`)
    return list.map((t) => {
      if (typeof t !== 'object' || t === null || typeof t.Key !== 'string' || typeof (t.Value ?? '') !== 'string') {
        throw invalidParameter(name, 'each tag must be {"Key": string, "Value": string}.')
      }
      return { TagKey: t.Key, TagValue: (t.Value ?? '') as string }
    })
  }

  /**
   * `ExtendedConfig` as a JSON string or flattened (`ExtendedConfig.CustomData=…`,
   * `ExtendedConfig.CustomData.k=v`); core/domain/secrets/extended-config.ts parses both.
   */
  extendedConfig(name = 'ExtendedConfig'): ExtendedConfig | undefined {
    const flat = this.withPrefix(`${name}.`).map(([k, v]) => [k.slice(name.length + 1), v] as const)
    return parseExtendedConfig(this.values.get(name), flat)
  }

  /**
   * An encryption context: a JSON string (`EncryptionContext={"k":"v"}`, what the current SDKs
   * send) or flattened (`EncryptionContext.k=v`, what kms20160120 1.x sends for an object).
   */
  encryptionContext(name: string): Record<string, string> {
    const json = this.values.get(name)
    const flat = this.withPrefix(`${name}.`)
    if (json !== undefined && flat.length > 0) {
      throw invalidParameter(name, 'give the context either as JSON or flattened, not both.')
    }
    if (json !== undefined) return json === '' ? {} : parseEncryptionContextJson(json, name)
    if (flat.length === 0) return {}
    const obj: Record<string, string> = Object.create(null)
    for (const [k, v] of flat) obj[k.slice(name.length + 1)] = v
    return validateEncryptionContext(obj, name)
  }
}

/** Validates `[{"TagKey":"k","TagValue":"v"}, …]`. */
export function tagList(name: string) {
  return (value: unknown): Array<{ TagKey: string; TagValue: string }> => {
    if (!Array.isArray(value) || value.length > 20) throw invalidParameter(name, 'must be a JSON array of at most 20 tags.')
    return value.map((t) => {
      if (
        typeof t !== 'object' ||
        t === null ||
        typeof (t as Record<string, unknown>).TagKey !== 'string' ||
        typeof ((t as Record<string, unknown>).TagValue ?? '') !== 'string'
      ) {
        throw invalidParameter(name, 'each tag must be {"TagKey": string, "TagValue": string}.')
      }
      const tag = t as { TagKey: string; TagValue?: string }
      return { TagKey: tag.TagKey, TagValue: tag.TagValue ?? '' }
    })
  }
}

/** Validates `["k1", "k2"]`. */
export function stringList(name: string, maxItems = 20) {
  return (value: unknown): string[] => {
    if (!Array.isArray(value) || value.length > maxItems || value.some((v) => typeof v !== 'string')) {
      throw invalidParameter(name, `must be a JSON array of at most ${maxItems} strings.`)
    }
    return value as string[]
  }
}

/** Validates Alibaba's `Filters`: `[{"Key": string, "Values": [1–10 strings]}, …]`, at most 10. */
export function filterList(name = 'Filters') {
  return (value: unknown): Array<{ Key: string; Values: string[] }> => {
    if (!Array.isArray(value) || value.length > 10) throw invalidParameter(name, 'must be a JSON array of at most 10 filters.')
    return value.map((f) => {
      const filter = f as { Key?: unknown; Values?: unknown }
      if (
        typeof filter !== 'object' ||
        filter === null ||
        typeof filter.Key !== 'string' ||
        !Array.isArray(filter.Values) ||
        filter.Values.length === 0 ||
        filter.Values.length > 10 ||
        filter.Values.some((v) => typeof v !== 'string')
      ) {
        throw invalidParameter(name, 'each filter must be {"Key": string, "Values": [1 to 10 strings]}.')
      }
      return { Key: filter.Key, Values: filter.Values as string[] }
    })
  }
}

/** Alibaba: TagResources, UntagResources and ListTagResources name at most 50 resources. */
export const MAX_BATCH_TAG_RESOURCES = 50

export interface TagTargets {
  resourceType: 'key' | 'secret'
  resourceIds: string[]
}

/**
 * `ResourceType` (key | secret) and `ResourceId` (1 to 50) of the batch tag actions, read the same
 * way by authorisation and the handler. Keys are named by id or key ARN: an alias would name
 * whichever key it points at when the call runs, which a batch cannot authorise item by item.
 */
export function tagTargets(params: Params): TagTargets {
  const type = params.string('ResourceType', { max: 16 }).toLowerCase()
  if (type !== 'key' && type !== 'secret') throw invalidParameter('ResourceType', 'must be key or secret.')
  const resourceIds = params.repeatedStrings('ResourceId', MAX_BATCH_TAG_RESOURCES, 1024)
  if (resourceIds.length === 0) throw missingParameter('ResourceId')
  if (type === 'key' && resourceIds.some((id) => id.startsWith('alias/') || /^acs:kms:[^:]*:[^:]*:alias\//.test(id))) {
    throw invalidParameter('ResourceId', 'name keys by key id or key ARN, not by alias.')
  }
  return { resourceType: type, resourceIds: [...new Set(resourceIds)] }
}
