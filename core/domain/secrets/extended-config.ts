/**
 * @module core/domain/secrets/extended-config
 *
 * `ExtendedConfig`, the one parser for every action that takes it. The SDKs send it in two forms:
 *
 * - a JSON object as one string, `ExtendedConfig={"SecretSubType":"SingleUser",…}` (CreateSecret's
 *   shrink style in every current SDK);
 * - flattened, `ExtendedConfig.CustomData={"k":"v"}` (UpdateSecret through the Python shrink
 *   form, whose value is JSON) or `ExtendedConfig.CustomData.k=v` (a map the Go SDK flattens
 *   itself), each part building the same object.
 *
 * Both forms give the same object; giving both at once is refused. Limits are Alibaba's: the
 * configuration as JSON is at most 1,024 characters and `CustomData` is an object of at most 10
 * pairs. Messages never echo a value.
 */
import { invalidParameter } from '../../errors'

export type ExtendedConfig = Record<string, unknown>

/** Alibaba: "The value can be up to 1,024 characters in length." */
export const MAX_EXTENDED_CONFIG_LENGTH = 1024
/** Alibaba: CustomData holds "up to 10 key-value pairs". */
export const MAX_CUSTOM_DATA_PAIRS = 10

const NAME = 'ExtendedConfig'
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseJson(text: string, parameter: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw invalidParameter(parameter, 'must be valid JSON.')
  }
}

/** A flattened part's value: JSON when it is a JSON object or array, else the text itself. */
function flatValue(text: string, parameter: string): unknown {
  const trimmed = text.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJson(trimmed, parameter)
  return text
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown, parameter: string): void {
  let node = target
  for (let i = 0; i < path.length; i++) {
    const part = path[i]!
    if (part === '' || UNSAFE_KEYS.has(part)) throw invalidParameter(parameter, 'has an invalid name.')
    if (i === path.length - 1) {
      if (Object.hasOwn(node, part)) throw invalidParameter(parameter, 'is given twice.')
      node[part] = value
      return
    }
    const next = Object.hasOwn(node, part) ? node[part] : undefined
    if (next === undefined) {
      const child: Record<string, unknown> = {}
      node[part] = child
      node = child
    } else if (isObject(next)) {
      node = next
    } else {
      throw invalidParameter(parameter, 'is given twice.')
    }
  }
}

function validate(config: ExtendedConfig): ExtendedConfig {
  if (JSON.stringify(config).length > MAX_EXTENDED_CONFIG_LENGTH) {
    throw invalidParameter(NAME, `must be at most ${MAX_EXTENDED_CONFIG_LENGTH} characters as JSON.`)
  }
  if (config.CustomData !== undefined) {
    if (!isObject(config.CustomData)) throw invalidParameter(`${NAME}.CustomData`, 'must be a JSON object.')
    if (Object.keys(config.CustomData).length > MAX_CUSTOM_DATA_PAIRS) {
      throw invalidParameter(`${NAME}.CustomData`, `must hold at most ${MAX_CUSTOM_DATA_PAIRS} key-value pairs.`)
    }
  }
  return config
}

/**
 * Builds the extended configuration from the request's parameters: `json` is the value of the
 * `ExtendedConfig` parameter itself, `flat` every `ExtendedConfig.<path>` parameter with the
 * prefix removed from its name. Returns undefined when neither is given (or the JSON is empty).
 *
 * @throws KmsError validation.invalidParameter
 */
export function parseExtendedConfig(
  json: string | undefined,
  flat: ReadonlyArray<readonly [path: string, value: string]>,
): ExtendedConfig | undefined {
  if (json !== undefined && json !== '' && flat.length > 0) {
    throw invalidParameter(NAME, 'give it either as JSON or flattened, not both.')
  }
  if (flat.length > 0) {
    const config: ExtendedConfig = {}
    for (const [path, value] of flat) {
      const parameter = `${NAME}.${path}`
      if (value.length > MAX_EXTENDED_CONFIG_LENGTH) {
        throw invalidParameter(parameter, `must be at most ${MAX_EXTENDED_CONFIG_LENGTH} characters.`)
      }
      setPath(config, path.split('.'), flatValue(value, parameter), parameter)
    }
    return validate(config)
  }
  if (json === undefined || json === '') return undefined
  if (json.length > MAX_EXTENDED_CONFIG_LENGTH) {
    throw invalidParameter(NAME, `must be at most ${MAX_EXTENDED_CONFIG_LENGTH} characters.`)
  }
  const parsed = parseJson(json, NAME)
  if (!isObject(parsed)) throw invalidParameter(NAME, 'must be a JSON object.')
  return validate(parsed)
}
