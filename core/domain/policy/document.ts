/**
 * @module core/domain/policy/document
 *
 * Alibaba's policy language (Version "1"), parsed and compiled once so that evaluation is a few
 * wildcard and equality tests (core/domain/policy/match.ts, bounded per request):
 *
 * ```json
 * {"Version": "1",
 *  "Statement": [{"Effect": "Allow" | "Deny",
 *                 "Action": "kms:Decrypt" | ["kms:Get*", ...],
 *                 "Resource": "acs:kms:*:*:key/<id>" | [...],
 *                 "Principal": {"RAM": ["acs:ram::<account>:*"]},      (resource policies only)
 *                 "Condition": {"StringEquals": {"kms:EncryptionContext:app": "billing"}}}]}
 * ```
 *
 * Refused as `policy.malformed` (wire `MalformedPolicyDocument`), always naming the position (a
 * character offset for syntax errors, a path such as `Statement[1].Action[0]` otherwise): invalid
 * JSON, duplicate keys, unknown fields, a Version other than "1", an Effect other than Allow or
 * Deny, an action outside the catalogue (core/domain/policy/actions.ts) or a wildcard matching
 * none of it, a resource that is neither `*` nor an `acs:` ARN, an unknown condition operator or
 * a value the operator cannot read, `Principal` in an identity policy or its absence in a resource
 * policy, and documents over the size limit (6144 bytes for identity policies, 32768 for key and
 * secret policies).
 */
import { utf8 } from '../../crypto/bytes'
import { KmsError } from '../../errors'
import { KNOWN_ACTIONS, KNOWN_SERVICES } from './actions'
import { JsonSyntaxError, parseStrictJson, type JsonObject, type JsonValue } from './json'
import { inRange, parseCidr, parseIp, wildcard, type Matcher, type MatchBudget } from './match'

/** Identity policies (RAM CreatePolicy) or resource policies (key and secret policies). */
export type PolicyKind = 'identity' | 'resource'

export const MAX_IDENTITY_POLICY_BYTES = 6144
export const MAX_RESOURCE_POLICY_BYTES = 32768

export type Effect = 'Allow' | 'Deny'

/** One compiled condition: `operator` over the request value(s) of `key`. */
export interface CompiledCondition {
  operator: string
  /** Normalised key (see {@link normalizeConditionKey}). */
  key: string
  /** Negated operators (StringNotEquals, NotIpAddress, ...) hold when the key is absent. */
  negated: boolean
  /**
   * Whether one request value matches one of the policy values (before negation); every test is
   * charged to `budget` (wildcards by the characters compared, other tests by the value's length).
   * @throws BudgetExceeded when `budget` runs out
   */
  matches: (requestValue: string, budget?: MatchBudget) => boolean
}

/**
 * Who a resource-policy statement names. `acs:ram::<account>:root` and `acs:ram::<account>:*`
 * name a whole account: they delegate to the identity policies of that account (the account's
 * own principals still need an identity policy that allows the action). Any other ARN names one
 * principal directly, and `*` names everyone.
 */
export interface PrincipalMatcher {
  anyone: boolean
  /** Account delegation: matches the caller's account id. */
  account?: Matcher
  /** A direct grant: matches the caller's principal ARN. */
  direct?: Matcher
}

export interface PolicyStatement {
  sid?: string
  effect: Effect
  actions: Matcher[]
  resources: Matcher[]
  /** Resource policies only. */
  principals?: PrincipalMatcher[]
  conditions: CompiledCondition[]
}

export interface PolicyDocument {
  kind: PolicyKind
  statements: PolicyStatement[]
}

const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Condition', 'Principal'])
const RESOURCE = /^acs:[^:]*:[^:]*:[^:]*:.+$/
const RAM_PRINCIPAL = /^acs:ram::([^:]+):(.+)$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/

type Test = (v: string, budget?: MatchBudget) => boolean
type Operator = { negated: boolean; compile: (policyValue: string, where: string) => Test }

/** A test whose work is linear in the request value (equality, parsing): charged by its length. */
function linear(test: (v: string) => boolean): Test {
  return (v, budget) => {
    budget?.spend(v.length + 1)
    return test(v)
  }
}

function numeric(cmp: (a: number, b: number) => boolean, negated = false): Operator {
  return {
    negated,
    compile: (p, where) => {
      const b = Number(p)
      if (p.trim() === '' || !Number.isFinite(b)) malformed(where, 'must be a number')
      return linear((v) => v.trim() !== '' && Number.isFinite(Number(v)) && cmp(Number(v), b))
    },
  }
}

function date(cmp: (a: number, b: number) => boolean, negated = false): Operator {
  return {
    negated,
    compile: (p, where) => {
      if (!ISO_DATE.test(p) || Number.isNaN(Date.parse(p))) malformed(where, 'must be an ISO-8601 time')
      const b = Date.parse(p)
      return linear((v) => {
        const a = Date.parse(v)
        return !Number.isNaN(a) && cmp(a, b)
      })
    },
  }
}

const stringEquals: Operator['compile'] = (p) => (v, budget) => (budget?.spend(Math.min(v.length, p.length) + 1), v === p)
const stringEqualsIgnoreCase: Operator['compile'] = (p) => {
  const lower = p.toLowerCase()
  return linear((v) => v.toLowerCase() === lower)
}
const stringLike: Operator['compile'] = (p) => wildcard(p)
const ipAddress: Operator['compile'] = (p, where) => {
  const range = parseCidr(p)
  if (!range) malformed(where, 'must be an IP address or CIDR range')
  return linear((v) => {
    const ip = parseIp(v)
    return ip !== undefined && inRange(range!, ip)
  })
}

const OPERATORS: Readonly<Record<string, Operator>> = {
  StringEquals: { negated: false, compile: stringEquals },
  StringNotEquals: { negated: true, compile: stringEquals },
  StringEqualsIgnoreCase: { negated: false, compile: stringEqualsIgnoreCase },
  StringNotEqualsIgnoreCase: { negated: true, compile: stringEqualsIgnoreCase },
  StringLike: { negated: false, compile: stringLike },
  StringNotLike: { negated: true, compile: stringLike },
  NumericEquals: numeric((a, b) => a === b),
  NumericNotEquals: numeric((a, b) => a === b, true),
  NumericLessThan: numeric((a, b) => a < b),
  NumericLessThanEquals: numeric((a, b) => a <= b),
  NumericGreaterThan: numeric((a, b) => a > b),
  NumericGreaterThanEquals: numeric((a, b) => a >= b),
  DateEquals: date((a, b) => a === b),
  DateNotEquals: date((a, b) => a === b, true),
  DateLessThan: date((a, b) => a < b),
  DateLessThanEquals: date((a, b) => a <= b),
  DateGreaterThan: date((a, b) => a > b),
  DateGreaterThanEquals: date((a, b) => a >= b),
  Bool: {
    negated: false,
    compile: (p, where) => {
      const lower = p.toLowerCase()
      if (lower !== 'true' && lower !== 'false') malformed(where, 'must be true or false')
      return linear((v) => v.toLowerCase() === lower)
    },
  },
  IpAddress: { negated: false, compile: ipAddress },
  NotIpAddress: { negated: true, compile: ipAddress },
}

const CASE_SENSITIVE_SUFFIX = ['kms:encryptioncontext:', 'kms:tag/']

/**
 * Condition keys are case-insensitive, except the part after `kms:EncryptionContext:` and
 * `kms:tag/`, which names an encryption-context or tag key (case-sensitive, like the values).
 */
export function normalizeConditionKey(key: string): string {
  const lower = key.toLowerCase()
  for (const prefix of CASE_SENSITIVE_SUFFIX) {
    if (lower.startsWith(prefix) && key.length > prefix.length) return prefix + key.slice(prefix.length)
  }
  return lower
}

/** Paths shown to clients: bounded and free of control characters. */
function safe(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?')
  return clean.length > 64 ? `${clean.slice(0, 61)}...` : clean
}

/** @throws KmsError policy.malformed at `where` (a position in the document) */
export function malformed(where: string, why: string): never {
  throw new KmsError('policy.malformed', `The policy document is malformed at ${where}: ${why}.`, {
    details: { position: where },
  })
}

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * The JSON of a policy document (identity, resource or trust) of at most `limit` UTF-8 bytes; the
 * size is checked before anything else.
 *
 * @throws KmsError policy.malformed (too large, or at the offset of the first syntax error)
 */
export function parsePolicyJson(text: string, limit: number): JsonValue {
  if (utf8(text).length > limit) malformed('the document', `must not exceed ${limit} bytes`)
  try {
    return parseStrictJson(text)
  } catch (err) {
    if (err instanceof JsonSyntaxError) malformed(`offset ${err.offset}`, err.why)
    throw err
  }
}

function stringOrList(value: JsonValue | undefined, where: string): Array<[string, string]> {
  if (typeof value === 'string') return [[value, where]]
  if (Array.isArray(value) && value.length > 0) {
    return value.map((v, i) => {
      if (typeof v !== 'string' || v === '') malformed(`${where}[${i}]`, 'must be a non-empty string')
      return [v as string, `${where}[${i}]`]
    })
  }
  return malformed(where, 'must be a string or a non-empty list of strings')
}

let knownLower: string[] | undefined

function compileAction(action: string, where: string): Matcher {
  if (action === '*') return () => true
  const colon = action.indexOf(':')
  const service = colon > 0 ? action.slice(0, colon).toLowerCase() : ''
  if (!KNOWN_SERVICES.has(service) || colon === action.length - 1) {
    malformed(where, 'must be "*" or "<service>:<action>" for the kms, ram, sts or actiontrail service')
  }
  const matcher = wildcard(action, true)
  knownLower ??= KNOWN_ACTIONS.map((a) => a.toLowerCase())
  if (!knownLower.some((a) => matcher(a))) malformed(where, 'names an unknown action')
  return matcher
}

function compileResource(resource: string, where: string): Matcher {
  if (resource !== '*' && !RESOURCE.test(resource)) {
    malformed(where, 'must be "*" or an ARN "acs:<service>:<region>:<account>:<resource>"')
  }
  return wildcard(resource)
}

function compilePrincipals(value: JsonValue | undefined, where: string): PrincipalMatcher[] {
  if (value === '*') return [{ anyone: true }]
  if (!isObject(value)) return malformed(where, 'must be "*" or {"RAM": [...]}')
  for (const k of Object.keys(value)) {
    if (k !== 'RAM') malformed(`${where}.${safe(k)}`, 'only "RAM" principals are supported')
  }
  return stringOrList(value.RAM, `${where}.RAM`).map(([p, at]) => {
    if (p === '*') return { anyone: true }
    const m = RAM_PRINCIPAL.exec(p)
    if (!m) malformed(at, 'must be "*" or an ARN "acs:ram::<account>:<principal>"')
    const [, account, rest] = m as unknown as [string, string, string]
    if (rest === 'root' || rest === '*') return { anyone: false, account: wildcard(account) }
    return { anyone: false, direct: wildcard(p) }
  })
}

function compileConditions(value: JsonValue | undefined, where: string): CompiledCondition[] {
  if (value === undefined) return []
  if (!isObject(value)) return malformed(where, 'must be an object of operators')
  const out: CompiledCondition[] = []
  for (const [operator, block] of Object.entries(value)) {
    const at = `${where}.${safe(operator)}`
    const op = Object.hasOwn(OPERATORS, operator) ? OPERATORS[operator] : undefined
    if (!op) malformed(at, 'is not a supported condition operator')
    if (!isObject(block) || Object.keys(block).length === 0) malformed(at, 'must be a non-empty object of keys')
    for (const [key, raw] of Object.entries(block as JsonObject)) {
      const keyAt = `${at}.${safe(key)}`
      if (key === '') malformed(keyAt, 'condition keys must not be empty')
      const values = Array.isArray(raw) ? raw : [raw]
      if (values.length === 0) malformed(keyAt, 'must have at least one value')
      const tests = values.map((v, i) => {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          malformed(`${keyAt}[${i}]`, 'values must be strings, numbers or booleans')
        }
        return op!.compile(String(v), Array.isArray(raw) ? `${keyAt}[${i}]` : keyAt)
      })
      out.push({
        operator,
        key: normalizeConditionKey(key),
        negated: op!.negated,
        matches: (v, budget) => tests.some((t) => t(v, budget)),
      })
    }
  }
  return out
}

function compileStatement(value: JsonValue, where: string, kind: PolicyKind): PolicyStatement {
  if (!isObject(value)) return malformed(where, 'must be an object')
  for (const field of Object.keys(value)) {
    if (!STATEMENT_FIELDS.has(field)) malformed(`${where}.${safe(field)}`, 'is not a known statement field')
  }
  if (value.Sid !== undefined && typeof value.Sid !== 'string') malformed(`${where}.Sid`, 'must be a string')
  if (value.Effect !== 'Allow' && value.Effect !== 'Deny') malformed(`${where}.Effect`, 'must be "Allow" or "Deny"')
  if (value.Action === undefined) malformed(`${where}.Action`, 'is required')
  if (value.Resource === undefined) malformed(`${where}.Resource`, 'is required')
  const statement: PolicyStatement = {
    effect: value.Effect as Effect,
    actions: stringOrList(value.Action, `${where}.Action`).map(([a, at]) => compileAction(a, at)),
    resources: stringOrList(value.Resource, `${where}.Resource`).map(([r, at]) => compileResource(r, at)),
    conditions: compileConditions(value.Condition, `${where}.Condition`),
  }
  if (typeof value.Sid === 'string') statement.sid = value.Sid
  if (kind === 'identity' && value.Principal !== undefined) {
    malformed(`${where}.Principal`, 'is only allowed in key and secret policies')
  }
  if (kind === 'resource') {
    if (value.Principal === undefined) malformed(`${where}.Principal`, 'is required in key and secret policies')
    statement.principals = compilePrincipals(value.Principal, `${where}.Principal`)
  }
  return statement
}

/**
 * Parses, validates and compiles a policy document.
 *
 * @param text - the document as sent (its UTF-8 size is checked before anything else).
 * @param kind - identity (RAM) or resource (key and secret) policy.
 * @returns the compiled document.
 * @throws KmsError policy.malformed with the position of the first problem.
 */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  const limit = kind === 'identity' ? MAX_IDENTITY_POLICY_BYTES : MAX_RESOURCE_POLICY_BYTES
  const json = parsePolicyJson(text, limit)
  if (!isObject(json)) return malformed('the document', 'must be a JSON object')
  for (const field of Object.keys(json)) {
    if (field !== 'Version' && field !== 'Statement') malformed(safe(field), 'is not a known field')
  }
  if (json.Version !== '1') malformed('Version', 'must be "1"')
  const raw = json.Statement
  if (!Array.isArray(raw) || raw.length === 0) malformed('Statement', 'must be a non-empty list of statements')
  return { kind, statements: (raw as JsonValue[]).map((s, i) => compileStatement(s, `Statement[${i}]`, kind)) }
}
