/**
 * @module core/domain/principals/trust-policy
 *
 * A role's trust policy (`AssumeRolePolicyDocument`): who may assume it.
 *
 * ```json
 * {"Version":"1","Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",
 *   "Principal":{"RAM":["acs:ram::<account>:root"]}}]}
 * ```
 *
 * Accepted: `Version` "1"; a non-empty `Statement` list of `{Effect, Action, Principal}`
 * (`Action` `sts:AssumeRole`, alone or in a list; `Principal.RAM` a list of account roots
 * `acs:ram::<account>:root`, bare account ids, users `acs:ram::<account>:user/<name>` or roles
 * `acs:ram::<account>:role/<name>`; `Principal.Service` is accepted and never matches, as no
 * cloud service calls this one). Conditions are refused rather than ignored. Principals match
 * exactly (no wildcards). A Deny naming the caller wins over any Allow. At most 2048 bytes.
 */
import { isObject, malformed, parsePolicyJson } from '../policy/document'
import type { JsonValue } from '../policy/json'

export const MAX_TRUST_POLICY_BYTES = 2048

const RAM_PRINCIPAL = /^(?:\d{1,32}|acs:ram::\d{1,32}:(?:root|user\/[A-Za-z0-9.@_-]{1,64}|role\/[A-Za-z0-9.-]{1,64}))$/
const SERVICE_PRINCIPAL = /^[a-z0-9.-]{1,128}$/

export interface TrustStatement {
  effect: 'Allow' | 'Deny'
  /** Normalised: account roots as `acs:ram::<account>:root`. */
  principals: string[]
}

function strings(v: JsonValue | undefined, where: string): string[] {
  const list = typeof v === 'string' ? [v] : v
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string')) {
    malformed(where, 'must be a string or a non-empty list of strings')
  }
  return list as string[]
}

/**
 * Parses and validates a trust policy.
 * @throws KmsError policy.malformed with the position of the first problem
 */
export function parseTrustPolicy(text: string): TrustStatement[] {
  const json = parsePolicyJson(text, MAX_TRUST_POLICY_BYTES)
  if (!isObject(json)) malformed('the document', 'must be a JSON object')
  for (const field of Object.keys(json)) if (field !== 'Version' && field !== 'Statement') malformed('the document', 'has an unknown field')
  if (json.Version !== '1') malformed('Version', 'must be "1"')
  const raw = json.Statement
  if (!Array.isArray(raw) || raw.length === 0) malformed('Statement', 'must be a non-empty list of statements')
  return raw.map((s, i) => {
    const where = `Statement[${i}]`
    if (!isObject(s)) malformed(where, 'must be an object')
    for (const field of Object.keys(s)) {
      if (field === 'Condition') malformed(`${where}.Condition`, 'conditions are not supported in trust policies')
      if (!['Effect', 'Action', 'Principal', 'Sid'].includes(field)) malformed(where, 'has an unknown field')
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') malformed(`${where}.Effect`, 'must be Allow or Deny')
    const actions = strings(s.Action, `${where}.Action`)
    if (actions.some((a) => a.toLowerCase() !== 'sts:assumerole')) malformed(`${where}.Action`, 'must be sts:AssumeRole')
    const p = s.Principal
    if (!isObject(p) || Object.keys(p).length === 0) malformed(`${where}.Principal`, 'must name RAM or Service principals')
    const principals: string[] = []
    for (const [kind, value] of Object.entries(p)) {
      const list = strings(value, `${where}.Principal.${kind === 'RAM' || kind === 'Service' ? kind : '?'}`)
      if (kind === 'RAM') {
        list.forEach((v, j) => {
          if (!RAM_PRINCIPAL.test(v)) malformed(`${where}.Principal.RAM[${j}]`, 'must be an account id or an account, user or role ARN')
          principals.push(/^\d+$/.test(v) ? `acs:ram::${v}:root` : v)
        })
      } else if (kind === 'Service') {
        list.forEach((v, j) => {
          if (!SERVICE_PRINCIPAL.test(v)) malformed(`${where}.Principal.Service[${j}]`, 'must be a service name')
        })
      } else {
        malformed(`${where}.Principal`, 'names an unsupported kind of principal')
      }
    }
    return { effect: s.Effect, principals }
  })
}

/**
 * Whether the trust policy lets `callerArn` (a root, user or role ARN of `callerAccount`)
 * assume the role: a statement naming the caller or its account root allows, a Deny naming
 * either refuses.
 */
export function trustAllows(statements: readonly TrustStatement[], callerAccount: string, callerArn: string): boolean {
  const names = new Set([callerArn, `acs:ram::${callerAccount}:root`])
  let allowed = false
  for (const s of statements) {
    if (!s.principals.some((p) => names.has(p))) continue
    if (s.effect === 'Deny') return false
    allowed = true
  }
  return allowed
}
