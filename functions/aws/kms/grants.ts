/**
 * @module functions/aws/kms/grants
 *
 * TrentService grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant,
 * each with its own descriptor (no Alibaba counterpart), over core/domain/grants. What a grant
 * allows is decided by authorisation itself (functions/authorize.ts: a call the policies do not
 * allow is allowed by a grant naming the caller), so grants serve both dialects.
 *
 * - CreateGrant: `kms:CreateGrant` on the key, or a grant of the caller that includes CreateGrant
 *   — then only a subset of that grant's operations with constraints as strict or stricter (the
 *   `byPolicy` probe tells the two apart). Grantee and retiring principal must be principals of
 *   the key's account. Same Name and identical parameters: the same GrantId (a new token).
 * - ListGrants: `kms:ListGrants` on the key; `GrantId`, `GranteePrincipal` filters; Limit/Marker.
 * - ListRetirableGrants: `kms:ListRetirableGrants` (on `acs:kms:<region>:<account>:*`): the
 *   account's grants whose retiring principal is `RetiringPrincipal`.
 * - RetireGrant: by `GrantToken`, or `KeyId` + `GrantId`; allowed for the grant's retiring
 *   principal, its grantee when it includes RetireGrant, or whoever the policies allow
 *   `kms:RetireGrant` on the key (the account root by the default key policy).
 * - RevokeGrant: `kms:RevokeGrant` on the key.
 */
import { resolveKey } from '../../../core/domain/keys/common'
import {
  assertGrantTokens,
  createGrant,
  deleteGrant,
  grantIdParam,
  grantNotFound,
  grantSpec,
  mayDelegate,
  principalParam,
} from '../../../core/domain/grants/grants'
import type { GrantRecord } from '../../../core/domain/grants/model'
import { callerPrincipals } from '../../../core/domain/grants/principals'
import { invalidGrantToken, openGrantToken, peekGrantToken, sealGrantToken, MAX_GRANT_TOKEN_CHARS } from '../../../core/domain/grants/token'
import { principalArn } from '../../../core/domain/principals/names'
import { keyTarget } from '../../../core/domain/targets'
import { toHex } from '../../../core/crypto/bytes'
import { KmsError, missingParameter } from '../../../core/errors'
import type { Caller } from '../../../core/domain/model'
import { action } from '../../alibaba/action'
import type { ActionContext } from '../../alibaba/context'
import { KEY, on } from '../../alibaba/permission'
import { awsKeyArn, keyRefFromAws } from '../arn'
import { awsAction, bool, compact, params, str, type Json, type JsonObject } from '../action'
import { pageOfList } from './paging'

const MAX_SPEC_CHARS = 64 * 1024

function keyId(body: JsonObject): string | undefined {
  const v = str(body, 'KeyId')
  return v === undefined ? undefined : keyRefFromAws(v)
}

function callerForms(caller: Caller): string[] {
  return callerPrincipals(caller.principalArn ?? principalArn(caller.accountId, caller.principal))
}

function grantJson(g: GrantRecord): JsonObject {
  const c = g.constraints
  return compact({
    KeyId: awsKeyArn(g.region, g.accountId, g.keyId),
    GrantId: g.grantId,
    Name: g.name,
    CreationDate: Date.parse(g.createdAt) / 1000,
    GranteePrincipal: g.granteePrincipal,
    RetiringPrincipal: g.retiringPrincipal,
    IssuingAccount: g.issuingAccount,
    Operations: [...g.operations],
    Constraints: c
      ? c.encryptionContextEquals
        ? { EncryptionContextEquals: { ...c.encryptionContextEquals } }
        : { EncryptionContextSubset: { ...c.encryptionContextSubset } }
      : undefined,
  })
}

/** DryRun: every check passed, nothing is written (AWS's DryRunOperationException). */
function assertNotDryRun(ctx: ActionContext): void {
  if (ctx.params.optionalString('DryRun', { max: 5 }) === 'true') {
    throw new KmsError('dryRun.wouldSucceed', 'The request would have succeeded, but the DryRun flag is set.')
  }
}

/** The key a grant call names, as authorisation resolved it; tombstones are not found. */
async function grantKey(ctx: ActionContext) {
  return resolveKey(ctx.deps, ctx.caller, keyTarget(ctx.targets))
}

// --- CreateGrant ---------------------------------------------------------------------

const CREATE_FIELDS = ['GranteePrincipal', 'RetiringPrincipal', 'Operations', 'Constraints', 'Name'] as const

export const CreateGrantDescriptor = action({
  name: 'CreateGrant',
  params: {},
  permission: {
    checks: [
      { action: 'kms:CreateGrant', resource: KEY },
      { action: 'kms:CreateGrant', resource: KEY, probe: 'byPolicy' },
    ],
    readOnly: false,
    crossAccount: false,
  },
  handler: async (ctx) => {
    const { deps, caller } = ctx
    const key = await grantKey(ctx)
    if (key.keyState === 'PendingDeletion') throw new KmsError('key.pendingDeletion', 'The key is pending deletion.')
    const raw = JSON.parse(ctx.params.string('Grant', { max: MAX_SPEC_CHARS })) as Record<string, unknown>
    const spec = grantSpec(raw, key.accountId)
    if (!ctx.targets.probes.byPolicy) {
      // Allowed through a grant's CreateGrant permission: only what one such grant could give.
      const forms = callerForms(caller)
      const parents = (await deps.grants.listByKey(key.keyId)).filter(
        (g) => g.accountId === key.accountId && forms.includes(g.granteePrincipal) && g.operations.includes('CreateGrant'),
      )
      if (!parents.some((p) => mayDelegate(p, spec))) {
        throw new KmsError(
          'auth.forbidden',
          'You are not authorized to perform this operation: a grant can only give a subset of its operations with constraints as strict.',
        )
      }
    }
    assertNotDryRun(ctx)
    const grant = await createGrant(deps, key, spec, caller.accountId)
    const token = sealGrantToken(deps.rootKeys, grant, toHex(deps.random(8)))
    return { KeyId: key.keyId, GrantId: grant.grantId, GrantToken: token }
  },
})

export const CreateGrant = awsAction({
  service: 'kms',
  name: 'CreateGrant',
  via: CreateGrantDescriptor,
  request(body) {
    // Everything that depends on the request alone is refused here, before any state is read;
    // the account rule of the principals is checked once the key's account is known.
    grantSpec(body, undefined)
    assertGrantTokens(body.GrantTokens)
    const spec: JsonObject = {}
    for (const f of CREATE_FIELDS) if (body[f] !== undefined && body[f] !== null) spec[f] = body[f] as Json
    return params({ KeyId: keyId(body), Grant: JSON.stringify(spec), DryRun: bool(body, 'DryRun') })
  },
  response: (out) => ({ GrantId: String(out.GrantId), GrantToken: String(out.GrantToken) }),
})

// --- ListGrants ----------------------------------------------------------------------

export const ListGrantsDescriptor = action({
  name: 'ListGrants',
  params: {},
  permission: on(KEY, true),
  handler: async (ctx) => {
    const key = await grantKey(ctx)
    const grantId = ctx.params.optionalString('GrantId', { max: 128 })
    const grantee = ctx.params.optionalString('GranteePrincipal', { max: 256 })
    const wantId = grantId === undefined ? undefined : grantIdParam(grantId)
    const wantGrantee = grantee === undefined ? undefined : principalParam(grantee, 'GranteePrincipal', undefined)
    const grants = (await ctx.deps.grants.listByKey(key.keyId)).filter(
      (g) =>
        g.accountId === key.accountId &&
        (wantId === undefined || g.grantId === wantId) &&
        (wantGrantee === undefined || g.granteePrincipal === wantGrantee),
    )
    return { KeyId: key.keyId, Grants: grants.map(grantJson) }
  },
})

export const ListGrants = awsAction({
  service: 'kms',
  name: 'ListGrants',
  via: ListGrantsDescriptor,
  request(body) {
    pageOfList([], body)
    const grantId = str(body, 'GrantId')
    if (grantId !== undefined) grantIdParam(grantId)
    const grantee = str(body, 'GranteePrincipal')
    if (grantee !== undefined) principalParam(grantee, 'GranteePrincipal', undefined)
    return params({ KeyId: keyId(body), GrantId: grantId, GranteePrincipal: grantee })
  },
  response: (out, _call, body) => {
    const { page, ...more } = pageOfList(out.Grants as JsonObject[], body)
    return { Grants: page, ...more }
  },
})

// --- ListRetirableGrants -------------------------------------------------------------

export const ListRetirableGrantsDescriptor = action({
  name: 'ListRetirableGrants',
  params: {},
  permission: on({ kind: 'service' }, true),
  handler: async (ctx) => {
    const principal = principalParam(ctx.params.optionalString('RetiringPrincipal', { max: 256 }), 'RetiringPrincipal', undefined)
    const grants = await ctx.deps.grants.listByRetiringPrincipal(ctx.caller.accountId, ctx.caller.region, principal)
    return { Grants: grants.map(grantJson) }
  },
})

export const ListRetirableGrants = awsAction({
  service: 'kms',
  name: 'ListRetirableGrants',
  via: ListRetirableGrantsDescriptor,
  request(body) {
    pageOfList([], body)
    const principal = str(body, 'RetiringPrincipal')
    principalParam(principal, 'RetiringPrincipal', undefined)
    return params({ RetiringPrincipal: principal })
  },
  response: (out, _call, body) => {
    const { page, ...more } = pageOfList(out.Grants as JsonObject[], body)
    return { Grants: page, ...more }
  },
})

// --- RetireGrant ---------------------------------------------------------------------

export const RetireGrantDescriptor = action({
  name: 'RetireGrant',
  params: {},
  permission: {
    // A probe, not a requirement: who may retire is decided on the grant itself (AWS's rules).
    checks: [{ action: 'kms:RetireGrant', resource: KEY, probe: 'byPolicy' }],
    readOnly: false,
    crossAccount: false,
  },
  handler: async (ctx) => {
    const { deps } = ctx
    const target = keyTarget(ctx.targets)
    const token = ctx.params.optionalString('GrantToken', { max: MAX_GRANT_TOKEN_CHARS })
    const named = ctx.params.optionalString('GrantId', { max: 128 })
    let grantId: string
    if (token !== undefined) {
      const claims = openGrantToken(deps.rootKeys, token)
      if (claims.keyId !== target.keyId || claims.accountId !== target.accountId) throw invalidGrantToken()
      if (named !== undefined && grantIdParam(named) !== claims.grantId) throw invalidGrantToken()
      grantId = claims.grantId
    } else {
      grantId = grantIdParam(named)
    }
    const byPolicy = ctx.targets.probes.byPolicy === true
    const key = await grantKey(ctx)
    const grant = await deps.grants.get(key.keyId, grantId)
    const forms = callerForms(ctx.caller)
    const mayRetire =
      grant !== undefined &&
      grant.accountId === key.accountId &&
      ((grant.retiringPrincipal !== undefined && forms.includes(grant.retiringPrincipal)) ||
        (forms.includes(grant.granteePrincipal) && grant.operations.includes('RetireGrant')))
    // Denied before not found: a caller with no right learns nothing of which grants exist.
    if (!mayRetire && !byPolicy) throw new KmsError('auth.forbidden', 'You are not authorized to perform this operation.')
    if (!grant) throw grantNotFound()
    assertNotDryRun(ctx)
    await deleteGrant(deps.grants, key.keyId, grant.grantId)
    return { KeyId: key.keyId, GrantId: grant.grantId }
  },
})

export const RetireGrant = awsAction({
  service: 'kms',
  name: 'RetireGrant',
  via: RetireGrantDescriptor,
  request(body) {
    const token = str(body, 'GrantToken')
    const grantId = str(body, 'GrantId')
    if (grantId !== undefined) grantIdParam(grantId)
    if (token === undefined || token === '') {
      if (str(body, 'KeyId') === undefined || grantId === undefined) throw missingParameter('GrantToken')
      return params({ KeyId: keyId(body), GrantId: grantId, DryRun: bool(body, 'DryRun') })
    }
    // The key the token claims names what authorisation judges; the handler authenticates the
    // token (a forged one is InvalidGrantTokenException) and checks that it names that key.
    const claims = peekGrantToken(token)
    const named = keyId(body)
    if (named !== undefined && named !== claims.keyId && !named.endsWith(`:key/${claims.keyId}`)) throw invalidGrantToken()
    return params({ KeyId: named ?? claims.keyId, GrantId: grantId, GrantToken: token, DryRun: bool(body, 'DryRun') })
  },
  response: () => ({}),
})

// --- RevokeGrant ---------------------------------------------------------------------

export const RevokeGrantDescriptor = action({
  name: 'RevokeGrant',
  params: {},
  permission: on(KEY, false),
  handler: async (ctx) => {
    const key = await grantKey(ctx)
    const grantId = grantIdParam(ctx.params.optionalString('GrantId', { max: 128 }))
    const grant = await ctx.deps.grants.get(key.keyId, grantId)
    if (!grant || grant.accountId !== key.accountId) throw grantNotFound()
    assertNotDryRun(ctx)
    await deleteGrant(ctx.deps.grants, key.keyId, grantId)
    return { KeyId: key.keyId, GrantId: grantId }
  },
})

export const RevokeGrant = awsAction({
  service: 'kms',
  name: 'RevokeGrant',
  via: RevokeGrantDescriptor,
  request(body) {
    const grantId = str(body, 'GrantId')
    if (grantId !== undefined) grantIdParam(grantId)
    return params({ KeyId: keyId(body), GrantId: grantId, DryRun: bool(body, 'DryRun') })
  },
  response: () => ({}),
})
