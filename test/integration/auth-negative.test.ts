/**
 * Authentication failures that need the wire: a repeated Authorization header and a Host other
 * than the signed one, written by node:http, and the stored table holding no echo of a wrong
 * signature (scanned in dynalite). The rest of the authentication suite runs on the app with
 * fake deps (test/app/auth-negative.test.ts).
 */
import { AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { expectError, keyCount, newNonce, sendHttp, signedAcs3, stack, v1, type RawResponse } from './raw'

/** Runs `attempt` (a CreateKey that must fail) and checks that no key appeared. */
async function createsNothing(attempt: () => Promise<RawResponse>): Promise<RawResponse> {
  const before = await keyCount()
  const res = await attempt()
  expect(await keyCount()).toBe(before)
  return res
}

describe('ACS3 tampering on the wire', () => {
  it('refuses a duplicated Authorization header sent on the wire', async () => {
    const req = await signedAcs3('CreateKey')
    const auth = req.headers.authorization!
    const res = await createsNothing(() => sendHttp({ ...req, headers: { ...req.headers, authorization: [auth, auth] } }))
    expectError(res, 400, 'IncompleteSignature')
  })

  it('refuses a request whose Host differs from the signed one', async () => {
    const req = await signedAcs3('CreateKey')
    const res = await createsNothing(() => sendHttp({ ...req, headers: { ...req.headers, host: 'kms.example.com' } }))
    expectError(res, 400, 'SignatureDoesNotMatch')
  })
})

describe("what Alibaba's Python SDKs need", () => {
  it('redacts data values in the echo and stores no message', async () => {
    const marker = `plain-${newNonce()}`
    const res = await v1(
      'Encrypt',
      { KeyId: 'alias/none', Plaintext: Buffer.from(marker).toString('base64') },
      { secret: 'not-the-secret' },
    )
    expectError(res, 400, 'SignatureDoesNotMatch')
    expect(res.text).not.toContain(Buffer.from(marker).toString('base64'))
    expect(decodeURIComponent(decodeURIComponent(res.json.Message.split(':')[1]))).toContain('Plaintext=[REDACTED]')
    // The audit event of the call keeps the error code only: nothing in the table holds the echo.
    const ddb = new DynamoDBClient({
      endpoint: stack().dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
    let start: Record<string, AttributeValue> | undefined
    do {
      const page = await ddb.send(new ScanCommand({ TableName: stack().tableName, ExclusiveStartKey: start }))
      const text = JSON.stringify(page.Items ?? [])
      expect(text).not.toContain('server string to sign')
      expect(text).not.toContain('not matched with our calculation')
      start = page.LastEvaluatedKey
    } while (start)
  })
})
