/**
 * @module functions/pipeline/env
 *
 * The app's Hono environment: the Worker's bindings and the per-request state the pipeline's
 * steps hand each other (functions/app.ts lists the steps in order). Each step sets what it
 * learnt; a later step reads it with `c.get`.
 */
import type { Authenticated, KnownCaller } from '../../core/domain/authenticate'
import type { AuditEvent } from '../../core/domain/audit/model'
import type { ActionDescriptor } from '../alibaba/action'
import type { AwsAction } from '../aws/action'
import type { AwsRequest } from '../aws/request'
import type { RpcRequest } from '../alibaba/request'
import type { Authorization, Service } from '../authorize'
import type { Deps } from '../deps'
import type { Env } from '../env'

/** One API version: its service name (authorisation, audit) and its actions. */
export interface Api {
  service: Service
  actions: ReadonlyMap<string, ActionDescriptor>
}

/** The APIs served, by `Version`. */
export type Apis = Readonly<Record<string, Api>>

/** The audit event of a request as it is filled in, step by step (outcome comes last). */
export type PendingEvent = Omit<AuditEvent, 'outcome'>

export type AppEnv = {
  Bindings: Env
  Variables: {
    /** Request id (request-id.ts); every response carries it. */
    requestId: string
    /** The action named by the request, for error logs (parse.ts). */
    action?: string
    deps: Deps
    /** The request's audit event (audit.ts), completed by each later step. */
    event: PendingEvent
    /** Who the caller claimed to be, as far as authentication got (for a refusal's event). */
    known: KnownCaller
    /** Set once authenticated: the event's first write claims the request's nonce. */
    claiming: boolean
    /** Set when the call is handed to the audited handler, which records its own event. */
    handed: boolean
    rpc: RpcRequest
    api: Api
    descriptor: ActionDescriptor
    caller: Authenticated['caller']
    authz: Authorization
    /** AWS dialect only (parse-aws.ts): the request and the operation it names. */
    aws?: { request: AwsRequest; action: AwsAction }
  }
}
