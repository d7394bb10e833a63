/**
 * @module functions/alibaba/context
 *
 * What an RPC action handler receives, and the registry type. Handlers are thin: read typed
 * parameters, make one core call, shape the response (RequestId is added by the dispatcher).
 */
import type { Caller } from '../../core/domain/model'
import type { ResolvedTargets } from '../../core/domain/targets'
import type { Deps } from '../deps'
import type { Env } from '../env'
import type { Params } from './params'

export interface ActionContext {
  deps: Deps
  /** The authenticated caller, as it is (also for cross-account use: see `targets.accountId`). */
  caller: Caller
  params: Params
  /**
   * What authorisation resolved (core/domain/targets): the keys the request names (aliases
   * resolved once), the blob's key, the alias's authorised key, the secrets' authorised CMKs, the
   * probes, and the account whose key or secret is used. Handlers pass these to the domain
   * instead of resolving names again.
   */
  targets: ResolvedTargets
  requestId: string
  env: Env
}

export type ActionHandler = (ctx: ActionContext) => Promise<Record<string, unknown>>

export interface PageParams {
  pageNumber: number
  pageSize: number
}

/** Alibaba's page-number pagination: PageNumber ≥ 1 (default 1), PageSize 1–100 (default 10). */
export function pageParams(params: Params): PageParams {
  return {
    pageNumber: params.optionalInteger('PageNumber', 1, 100_000) ?? 1,
    pageSize: params.optionalInteger('PageSize', 1, 100) ?? 10,
  }
}
