/**
 * Run by test/integration/sts.test.ts in a child Node process started with
 * NODE_EXTRA_CA_CERTS=<the stack's ca.pem>: @alicloud/credentials' `ram_role_arn` provider speaks
 * HTTPS only (its STS request has a fixed `https` protocol and no `ca` option), so the local CA
 * must be trusted process-wide, which Node reads only at start.
 *
 * Input: one JSON argument {host (127.0.0.1:<https port>), regionId, accessKeyId,
 * accessKeySecret, roleArn, policy?}. Output: one JSON line with what happened.
 */
const Credential = require('@alicloud/credentials')
const OpenApi = require('@alicloud/openapi-core')

const CredentialClient = Credential.default
const OpenApiClient = OpenApi.default

async function main() {
  const input = JSON.parse(process.argv[2])
  const credential = new CredentialClient(
    new Credential.Config({
      type: 'ram_role_arn',
      accessKeyId: input.accessKeyId,
      accessKeySecret: input.accessKeySecret,
      roleArn: input.roleArn,
      roleSessionName: 'provider-session',
      roleSessionExpiration: 900,
      stsEndpoint: input.host,
      ...(input.policy ? { policy: input.policy } : {}),
    }),
  )
  const out = {}
  const c = await credential.getCredential()
  out.accessKeyIdPrefix = c.accessKeyId.slice(0, 4)
  out.hasToken = typeof c.securityToken === 'string' && c.securityToken.length > 0
  out.type = c.type
  const client = new OpenApiClient(
    new OpenApi.$OpenApiUtil.Config({ credential, endpoint: input.host, protocol: 'HTTPS', regionId: input.regionId }),
  )
  const call = async (action, version, query) => {
    const params = new OpenApi.$OpenApiUtil.Params({
      action,
      version,
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    })
    const res = await client.callApi(params, new OpenApi.$OpenApiUtil.OpenApiRequest({ query }), {})
    return res.body
  }
  const who = await call('GetCallerIdentity', '2015-04-01', {})
  out.identityType = who.IdentityType
  out.arn = who.Arn
  const key = await call('CreateKey', '2016-01-20', { Description: 'via ram_role_arn' })
  const enc = await call('Encrypt', '2016-01-20', { KeyId: key.KeyMetadata.KeyId, Plaintext: Buffer.from('hello').toString('base64') })
  const dec = await call('Decrypt', '2016-01-20', { CiphertextBlob: enc.CiphertextBlob })
  out.roundTrip = Buffer.from(dec.Plaintext, 'base64').toString('utf8')
  try {
    await call('ScheduleKeyDeletion', '2016-01-20', { KeyId: key.KeyMetadata.KeyId, PendingWindowInDays: '7' })
    out.denied = false
  } catch (err) {
    out.denied = { code: err.code, statusCode: err.statusCode, requestId: err.requestId ?? err.data?.RequestId }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch((err) => {
  process.stdout.write(
    JSON.stringify({ error: String(err && err.message ? err.message.slice(0, 500) : err), code: err && err.code }) + '\n',
  )
  process.exitCode = 1
})
