/**
 * @module functions/alibaba/context
 *
 * What an RPC action handler receives, and the registry type. Handlers are thin: read typed
 * parameters, make one core call, shape the response (RequestId is added by the dispatcher).
 */
import type { Caller } from '../../core/domain/model'
import type { Deps } from '../deps'
import type { Env } from '../env'
import type { Params } from './params'

export interface ActionContext {
  deps: Deps
  caller: Caller
  params: Params
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
