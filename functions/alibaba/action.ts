/**
 * @module functions/alibaba/action
 *
 * One action, one descriptor: its name, its parameters with their limits (declared once, here
 * as a schema), its permission (what authorisation checks, whether it changes state, whether it
 * may use another account's key or secret) and its handler. The registries list descriptors
 * explicitly (functions/alibaba/registry.ts); an action without a permission cannot be
 * registered, so nothing is ever authorised by a guess.
 *
 * The handler receives the parsed `input` (typed from the schema). Parameters are parsed when
 * the handler is reached, after authentication and authorisation, exactly where the old
 * handlers read them; authorisation reads the parameters it needs itself (functions/authorize.ts).
 */
import type { ActionContext } from './context'
import type { ActionPermission } from './permission'
import type { Params } from './params'

/** One parameter: how to read it from the request (throws InvalidParameter / MissingParameter). */
export interface Field<T> {
  /** Short description of the accepted form, for docs and tests (e.g. `string ≤ 512`). */
  readonly describe: string
  readonly read: (params: Params, name: string) => T
}

export type Schema = Readonly<Record<string, Field<unknown>>>

/** The parsed parameters of a schema. */
export type Input<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never }

export interface ActionDescriptor<S extends Schema = Schema> {
  readonly name: string
  readonly params: S
  readonly permission: ActionPermission
  /** Method syntax on purpose: a descriptor of a narrower schema is still an ActionDescriptor. */
  handler(ctx: ActionContext, input: Input<S>): Promise<Record<string, unknown>>
}

/** Declares an action (identity at run time; it types `handler`'s input from `params`). */
export function action<S extends Schema>(descriptor: ActionDescriptor<S>): ActionDescriptor<S> {
  return descriptor
}

/** Reads every parameter of `schema` from `params`, in declaration order. */
export function parseInput<S extends Schema>(schema: S, params: Params): Input<S> {
  const out: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(schema)) out[name] = field.read(params, name)
  return out as Input<S>
}

/** Runs one descriptor's handler: parses its parameters, then calls it. */
export function runAction(descriptor: ActionDescriptor, ctx: ActionContext): Promise<Record<string, unknown>> {
  return descriptor.handler(ctx, parseInput(descriptor.params, ctx.params))
}

/**
 * The registry of one API version, built from an explicit list. Refuses a duplicate name or a
 * descriptor without a permission (deny by default: an unlisted action is unknown, never guessed).
 */
export function registry(list: readonly ActionDescriptor[]): ReadonlyMap<string, ActionDescriptor> {
  const map = new Map<string, ActionDescriptor>()
  for (const d of list) {
    if (!d || typeof d.name !== 'string' || !/^[A-Z][A-Za-z0-9]{1,63}$/.test(d.name))
      throw new Error(`registry: bad action name ${String(d?.name)}`)
    if (map.has(d.name)) throw new Error(`registry: ${d.name} registered twice`)
    if (!d.permission || !Array.isArray(d.permission.checks) || typeof d.permission.readOnly !== 'boolean') {
      throw new Error(`registry: ${d.name} has no permission`)
    }
    map.set(d.name, d)
  }
  return map
}
