/**
 * @module bench/lib/workloads
 * The workloads of the bench: the setup through the API (10 software keys, one ciphertext blob,
 * and the optional secret, HSM key, external key and EC P-256 key, each detected at run time and
 * skipped with the answer's code when the build lacks it) and every scenario's request, defined
 * once. Which store calls a request makes is counted by the harness, not assumed here.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto'
import type { RunningStack } from '../../scripts/lib/stack'
import type { RequestSpec } from './protocol'
import { callApi, requestParams, signedPathReference, type SigningCredentials } from './signing'
import { callAws, SigV4Signer } from './sigv4'

export const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64')

function createHmacSha256(key: string, message: string): string {
  return createHmac('sha256', key).update(message).digest('hex')
}

/** Sends one request of a scenario (setup, store-op counting): signed with core signV1. */
export async function sendOnce(endpoint: string, spec: RequestSpec): Promise<number> {
  if (spec.kind === 'aws') {
    const body = spec.keyIds?.length ? { ...spec.body, KeyId: spec.keyIds[Math.floor(Math.random() * spec.keyIds.length)]! } : spec.body
    return (await callAws(endpoint, new SigV4Signer(spec.creds, spec.service), spec.target, body)).status
  }
  if (spec.kind !== 'signed') throw new Error('sendOnce: signed requests only')
  let c = spec.creds
  if (spec.wrongSecret) c = { ...c, accessKeySecret: `${c.accessKeySecret}-wrong` }
  if (spec.unknownAccessKey) c = { ...c, accessKeyId: 'LTAIbenchNoSuchAccessKey0' }
  const business = spec.keyIds?.length
    ? { ...spec.business, KeyId: spec.keyIds[Math.floor(Math.random() * spec.keyIds.length)]! }
    : spec.business
  const res = await fetch(new URL(await signedPathReference(c, requestParams(c, spec.action, business)), endpoint), {
    signal: AbortSignal.timeout(15_000),
  })
  await res.arrayBuffer()
  return res.status
}

export type SignedRequest = (
  action: string,
  business: Record<string, string>,
  more?: Partial<Extract<RequestSpec, { kind: 'signed' }>>,
) => RequestSpec

/** A builder of signed-request specs for one credential pair. */
export function signedWith(creds: SigningCredentials): SignedRequest {
  return (action, business, more = {}) => ({
    kind: 'signed',
    creds,
    action,
    business,
    ...more,
  })
}

export interface Scenario {
  id: string
  label: string
  what: string
  req: RequestSpec
}

export interface Workloads {
  keyIds: string[]
  plaintext: Buffer
  blob: string
  skipped: Array<{ scenario: string; reason: string }>
  hsmKeyId: string | undefined
  /** Rejected requests: each with the status and error code it must get. */
  decomposition: Array<Scenario & { status: number; code: string }>
  describeRegions: Scenario
  /** Encrypt first (the flatness, half-rate and profile phases use it). */
  productScenarios: Scenario[]
}

/**
 * Creates what the scenarios need through the API and defines every scenario's request.
 * @throws Error when a mandatory setup call (DescribeRegions, CreateKey, Encrypt, Decrypt,
 * GenerateDataKey) fails or the round trip does not return the plaintext.
 */
export async function setupWorkloads(
  endpoint: string,
  creds: SigningCredentials,
  bridge: RunningStack['hsm'],
  bridgeReason: string,
  log: (msg: string) => void,
): Promise<Workloads> {
  const skipped: Array<{ scenario: string; reason: string }> = []
  const must = async (action: string, business: Record<string, string>) => {
    const r = await callApi(endpoint, creds, action, business)
    if (r.status !== 200) throw new Error(`${action} failed during setup: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
    return r.body
  }
  await must('DescribeRegions', {})
  const keyIds: string[] = []
  for (let i = 0; i < 10; i++) keyIds.push((await must('CreateKey', { Description: `bench key ${i}` })).KeyMetadata.KeyId as string)
  const plaintext = randomBytes(32)
  const encrypted = await must('Encrypt', { KeyId: keyIds[0]!, Plaintext: b64(plaintext) })
  const blob = encrypted.CiphertextBlob as string
  const decrypted = await must('Decrypt', { CiphertextBlob: blob })
  if (decrypted.Plaintext !== b64(plaintext)) throw new Error('setup: Decrypt did not return the plaintext')
  await must('GenerateDataKey', { KeyId: keyIds[1]!, NumberOfBytes: '32' })
  log(`setup: 10 keys, one ciphertext blob (${blob.length} chars), Encrypt/Decrypt round trip checked`)

  // Optional scenarios: detected at run time.
  const secretName = `bench-secret-${randomUUID().slice(0, 8)}`
  let secretsOk = false
  {
    const r = await callApi(endpoint, creds, 'CreateSecret', {
      SecretName: secretName,
      SecretData: 'bench-secret-value-0123456789',
      VersionId: 'v1',
      EncryptionKeyId: keyIds[0]!,
    })
    if (r.status === 200) {
      const g = await callApi(endpoint, creds, 'GetSecretValue', { SecretName: secretName })
      if (g.status === 200 && g.body.SecretData === 'bench-secret-value-0123456789') secretsOk = true
      else
        skipped.push({
          scenario: 'GetSecretValue',
          reason: `CreateSecret worked but GetSecretValue answered ${g.status} ${g.body.Code ?? ''}`,
        })
    } else if (r.body.Code === 'InvalidAction.NotFound') {
      skipped.push({
        scenario: 'GetSecretValue',
        reason: 'CreateSecret answered InvalidAction.NotFound: secrets are not in this build yet',
      })
    } else {
      skipped.push({
        scenario: 'GetSecretValue',
        reason: `CreateSecret answered ${r.status} ${r.body.Code ?? ''}: ${String(r.body.Message ?? '').slice(0, 120)}`,
      })
    }
  }
  let hsmKeyId: string | undefined
  if (!bridge) {
    skipped.push({ scenario: 'HSM Encrypt', reason: `no HSM bridge (${bridgeReason})` })
  } else {
    const r = await callApi(endpoint, creds, 'CreateKey', { ProtectionLevel: 'HSM', KeySpec: 'Aliyun_AES_256' })
    if (r.status === 200) {
      hsmKeyId = r.body.KeyMetadata?.KeyId as string
      const e = await callApi(endpoint, creds, 'Encrypt', { KeyId: hsmKeyId, Plaintext: b64(plaintext) })
      if (e.status !== 200) {
        skipped.push({ scenario: 'HSM Encrypt', reason: `an HSM key was created but Encrypt answered ${e.status} ${e.body.Code ?? ''}` })
        hsmKeyId = undefined
      }
    } else {
      skipped.push({
        scenario: 'HSM Encrypt',
        reason: `CreateKey with ProtectionLevel=HSM answered ${r.status} ${r.body.Code ?? ''} (the bridge was running)`,
      })
    }
  }
  // External key (XKS): the bridge's own XKS endpoint over its token as the EKM (README "External keys").
  let externalKeyId: string | undefined
  if (bridge?.xks) {
    const xks = bridge.xks
    const adminBody = JSON.stringify({ id: 'bench-ekm' })
    const date = String(Date.now())
    const nonce = randomBytes(16).toString('hex')
    const sig = createHmacSha256(
      bridge.secret,
      `POST\n/v1/xks/keys/create\n${date}\n${nonce}\n${createHash('sha256').update(adminBody).digest('hex')}`,
    )
    const admin = await fetch(`${bridge.url}/v1/xks/keys/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bridge-date': date, 'x-bridge-nonce': nonce, 'x-bridge-signature': sig },
      body: adminBody,
    })
    const st = await callApi(endpoint, creds, 'CreateExternalKeyStore', {
      KeyStoreName: 'bench',
      XksProxyUriEndpoint: xks.endpoint,
      XksProxyUriPath: xks.uriPath,
      XksProxyAccessKeyId: xks.accessKeyId,
      XksProxyRawSecretAccessKey: xks.secretAccessKey,
    })
    const cn =
      st.status === 200 ? await callApi(endpoint, creds, 'ConnectExternalKeyStore', { KeyStoreId: st.body.KeyStoreId as string }) : st
    const ck =
      cn.status === 200
        ? await callApi(endpoint, creds, 'CreateKey', {
            Origin: 'EXTERNAL_KEY_STORE',
            KeyStoreId: st.body.KeyStoreId as string,
            XksKeyId: 'bench-ekm',
          })
        : cn
    const e =
      ck.status === 200
        ? await callApi(endpoint, creds, 'Encrypt', { KeyId: ck.body.KeyMetadata?.KeyId as string, Plaintext: b64(plaintext) })
        : ck
    if (admin.status === 200 && e.status === 200) externalKeyId = ck.body.KeyMetadata?.KeyId as string
    else skipped.push({ scenario: 'Encrypt (external key)', reason: `setup answered ${admin.status} / ${e.status} ${e.body.Code ?? ''}` })
  } else {
    skipped.push({
      scenario: 'Encrypt (external key)',
      reason: `no XKS endpoint (${bridge ? 'the bridge runs without one' : bridgeReason})`,
    })
  }
  let signKey: { keyId: string; versionId: string } | undefined
  const digest = b64(createHash('sha256').update('edge-kms bench').digest())
  {
    const r = await callApi(endpoint, creds, 'CreateKey', { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' })
    if (r.status === 200) {
      const keyId = r.body.KeyMetadata?.KeyId as string
      let versionId = r.body.KeyMetadata?.PrimaryKeyVersion as string | undefined
      if (!versionId) {
        const v = await callApi(endpoint, creds, 'ListKeyVersions', { KeyId: keyId })
        versionId = v.body.KeyVersions?.KeyVersion?.[0]?.KeyVersionId
      }
      const s = versionId
        ? await callApi(endpoint, creds, 'AsymmetricSign', {
            KeyId: keyId,
            KeyVersionId: versionId,
            Algorithm: 'ECDSA_SHA_256',
            Digest: digest,
          })
        : { status: 0, body: { Code: 'no key version id' } }
      if (s.status === 200 && versionId) signKey = { keyId, versionId }
      else
        skipped.push({
          scenario: 'AsymmetricSign (EC_P256)',
          reason: `an EC_P256 key was created but AsymmetricSign answered ${s.status} ${s.body.Code ?? ''}`,
        })
    } else {
      skipped.push({
        scenario: 'AsymmetricSign (EC_P256)',
        reason: `CreateKey KeySpec=EC_P256 KeyUsage=SIGN/VERIFY answered ${r.status} ${r.body.Code ?? ''}`,
      })
    }
  }

  const signed = signedWith(creds)
  // Every scenario's request, defined once (labels say what the request is; which store calls it
  // makes is counted below, not assumed).
  const decomposition: Array<{ id: string; label: string; what: string; req: RequestSpec; status: number; code: string }> = [
    {
      id: 'err-version',
      label: 'InvalidVersion error',
      what: 'rejected before authentication (wrong Version)',
      req: signed('DescribeRegions', { Version: '2000-01-01' }),
      status: 400,
      code: 'InvalidVersion',
    },
    {
      id: 'err-unknown-ak',
      label: 'unknown AccessKeyId',
      what: 'rejected by authentication: AccessKey lookup misses, dummy HMAC',
      req: signed('DescribeRegions', {}, { unknownAccessKey: true }),
      status: 404,
      code: 'InvalidAccessKeyId.NotFound',
    },
    {
      id: 'err-bad-signature',
      label: 'bad signature',
      what: 'rejected by authentication after the AccessKey lookup, secret unwrap and HMAC',
      req: signed('DescribeRegions', {}, { wrongSecret: true }),
      status: 400,
      code: 'SignatureDoesNotMatch',
    },
  ]
  const describeRegions = {
    id: 'describe-regions',
    label: 'DescribeRegions',
    what: 'authenticated call that touches no key',
    req: signed('DescribeRegions', {}),
  }
  const productScenarios: Array<{ id: string; label: string; what: string; req: RequestSpec }> = [
    {
      id: 'encrypt',
      label: 'Encrypt (software key)',
      what: '32-byte plaintext under one of 10 software keys',
      req: signed('Encrypt', { Plaintext: b64(plaintext) }, { keyIds }),
    },
    { id: 'decrypt', label: 'Decrypt (software key)', what: 'one pre-made blob', req: signed('Decrypt', { CiphertextBlob: blob }) },
    {
      id: 'generate-data-key',
      label: 'GenerateDataKey (software)',
      what: '32-byte data key under one of 10 software keys',
      req: signed('GenerateDataKey', { NumberOfBytes: '32' }, { keyIds }),
    },
  ]
  if (secretsOk)
    productScenarios.push({
      id: 'get-secret-value',
      label: 'GetSecretValue',
      what: 'one secret, current version',
      req: signed('GetSecretValue', { SecretName: secretName }),
    })
  if (hsmKeyId)
    productScenarios.push({
      id: 'hsm-encrypt',
      label: 'Encrypt (HSM key)',
      what: 'through the HSM bridge',
      req: signed('Encrypt', { KeyId: hsmKeyId, Plaintext: b64(plaintext) }),
    })
  if (externalKeyId)
    productScenarios.push({
      id: 'external-encrypt',
      label: 'Encrypt (external key)',
      what: 'software layer + the bridge as XKS client → its XKS endpoint (SigV4) → SoftHSM',
      req: signed('Encrypt', { KeyId: externalKeyId, Plaintext: b64(plaintext) }),
    })
  if (signKey)
    productScenarios.push({
      id: 'asymmetric-sign',
      label: 'AsymmetricSign (EC_P256)',
      what: 'ECDSA P-256 over a SHA-256 digest',
      req: signed('AsymmetricSign', { KeyId: signKey.keyId, KeyVersionId: signKey.versionId, Algorithm: 'ECDSA_SHA_256', Digest: digest }),
    })
  return { keyIds, plaintext, blob, skipped, hsmKeyId, decomposition, describeRegions, productScenarios }
}
