/**
 * @module test/unit/helpers/alibaba-captured-requests
 *
 * Raw requests captured from the official Alibaba Node SDKs (kms20160120 1.2.0, openapi-client
 * 0.4.15, pop-core 1.8.0) signed with AccessKeyId `testAccessKeyId` and secret `testSecret`,
 * copied verbatim from the project reference `alibaba-kms-api.md` §1.6, with the server-side
 * StringToSign (V1) or canonical request (ACS3) that matched, where the capture recorded it.
 * All were signed at 2026-11-23T12:14:15Z or 12:23:20Z.
 */

export const CAPTURE_SECRET = 'testSecret'
export const CAPTURE_ACCESS_KEY_ID = 'testAccessKeyId'

export interface CapturedRequest {
  name: string
  scheme: 'V1' | 'ACS3'
  /** Request line, headers, blank line, body (HTTP/1.1 text, LF line ends). */
  raw: string
  /** The server-side V1 StringToSign or ACS3 canonical request that matched, when recorded. */
  expected?: string
}

export const CAPTURED_REQUESTS: CapturedRequest[] = [
  {
    name: 'kms20160120 V1 Encrypt',
    scheme: 'V1',
    raw: [
      'POST /?Action=Encrypt&Format=json&Timestamp=2026-11-23T12%3A14%3A15Z&Version=2016-01-20&SignatureNonce=9599cdcb730ca04befa5578ecf5f300d&KeyId=alias%2Ftest&Plaintext=aGVsbG8gd29ybGQ%3D&EncryptionContext=%7B%22purpose%22%3A%22test%22%7D&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=testAccessKeyId&Signature=JUYXeAMQf9dVFP1Z8eu8cSj%2FZ6M%3D HTTP/1.1',
      'x-acs-version: 2016-01-20',
      'x-acs-action: Encrypt',
      'host: 127.0.0.1:18080',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2',
      'Connection: keep-alive',
      'Content-Length: 0',
    ].join('\n'),
    expected: [
      'POST&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DEncrypt%26EncryptionContext%3D%257B%2522purpose%2522%253A%2522test%2522%257D%26Format%3Djson%26KeyId%3Dalias%252Ftest%26Plaintext%3DaGVsbG8gd29ybGQ%253D%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D9599cdcb730ca04befa5578ecf5f300d%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-23T12%253A14%253A15Z%26Version%3D2016-01-20',
    ].join('\n'),
  },
  {
    name: 'kms20160120 V1 CreateSecret',
    scheme: 'V1',
    raw: [
      'POST /?Action=CreateSecret&Format=json&Timestamp=2026-11-23T12%3A14%3A15Z&Version=2016-01-20&SignatureNonce=e78de3b4de438cb2508b38e895bbe6f1&SecretName=db-pass&VersionId=v1&EncryptionKeyId=key-123&SecretData=hunter2&SecretDataType=text&Tags=%5B%7B%22TagKey%22%3A%22env%22%2C%22TagValue%22%3A%22dev%22%7D%5D&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=testAccessKeyId&Signature=X9h5eUch9CJLgCSyNLdAlXBM2FU%3D HTTP/1.1',
      'x-acs-version: 2016-01-20',
      'x-acs-action: CreateSecret',
      'host: 127.0.0.1:18080',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2',
      'Connection: keep-alive',
      'Content-Length: 0',
    ].join('\n'),
  },
  {
    name: 'kms20160120 V1 GetSecretValue',
    scheme: 'V1',
    raw: [
      'POST /?Action=GetSecretValue&Format=json&Timestamp=2026-11-23T12%3A14%3A15Z&Version=2016-01-20&SignatureNonce=6731e1f095741bc2246765153e31f73e&SecretName=db-pass&VersionStage=ACSCurrent&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=testAccessKeyId&Signature=lLkemXgx0vdJ9rIxuxLQMWQhw28%3D HTTP/1.1',
      'x-acs-version: 2016-01-20',
      'x-acs-action: GetSecretValue',
      'host: 127.0.0.1:18080',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/2',
      'Connection: keep-alive',
      'Content-Length: 0',
    ].join('\n'),
  },
  {
    name: 'openapi-client ACS3 Encrypt',
    scheme: 'ACS3',
    raw: [
      'POST /?KeyId=alias%2Ftest&Plaintext=aGVsbG8gd29ybGQ%3D&EncryptionContext=%7B%22purpose%22%3A%22test%22%7D HTTP/1.1',
      'host: 127.0.0.1:18080',
      'x-acs-version: 2016-01-20',
      'x-acs-action: Encrypt',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/1',
      'x-acs-date: 2026-11-23T12:23:20Z',
      'x-acs-signature-nonce: 483401b9a49724299254f53c7cd1dd7b',
      'accept: application/json',
      'x-acs-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-acs-credentials-provider: static_ak',
      'Authorization: ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=687b58e371f2c539bf3f6b7b69ce69ef6989c688139e245d934aba66c328f877',
      'Connection: keep-alive',
      'Content-Length: 0',
    ].join('\n'),
    expected: [
      'POST',
      '/',
      'EncryptionContext=%7B%22purpose%22%3A%22test%22%7D&KeyId=alias%2Ftest&Plaintext=aGVsbG8gd29ybGQ%3D',
      'host:127.0.0.1:18080',
      'x-acs-action:Encrypt',
      'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-acs-credentials-provider:static_ak',
      'x-acs-date:2026-11-23T12:23:20Z',
      'x-acs-signature-nonce:483401b9a49724299254f53c7cd1dd7b',
      'x-acs-version:2016-01-20',
      '',
      'host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ].join('\n'),
  },
  {
    name: 'openapi-client ACS3 CreateSecret',
    scheme: 'ACS3',
    raw: [
      'POST /?SecretName=db-pass&VersionId=v1&SecretData=hunter2&SecretDataType=text&EncryptionKeyId=key-123 HTTP/1.1',
      'host: 127.0.0.1:18080',
      'x-acs-version: 2016-01-20',
      'x-acs-action: CreateSecret',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/1',
      'x-acs-date: 2026-11-23T12:23:20Z',
      'x-acs-signature-nonce: 4aa2b2d5f61bd9dbce0c104b221458c0',
      'accept: application/json',
      'x-acs-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-acs-credentials-provider: static_ak',
      'Authorization: ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=5b57448b9b41d56f99209695237a5a928b73daea2005a417da04fbe05e3991fc',
      'Connection: keep-alive',
      'Content-Length: 0',
    ].join('\n'),
  },
  {
    name: 'openapi-client ACS3 GetSecretValue',
    scheme: 'ACS3',
    raw: [
      'POST /?SecretName=db-pass HTTP/1.1',
      'host: 127.0.0.1:18080',
      'x-acs-version: 2016-01-20',
      'x-acs-action: GetSecretValue',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/1',
      'x-acs-date: 2026-11-23T12:23:20Z',
      'x-acs-signature-nonce: d0afb2c1c789b30fb856f5f9bdb217b5',
      'accept: application/json',
      'x-acs-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-acs-credentials-provider: static_ak',
      'Authorization: ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=55b135513ba3bd439faff8502c2ffe6d37094af360d72ca6e54bd0fa4ae4b861',
      'Connection: keep-alive',
      'Content-Length: 0',
    ].join('\n'),
  },
  {
    name: 'openapi-client v2-mode V1 Encrypt',
    scheme: 'V1',
    raw: [
      'POST /?Action=Encrypt&Format=json&Version=2016-01-20&Timestamp=2026-11-23T12%3A14%3A15Z&SignatureNonce=08e2c2e69126b973dad54c227bd8b4de&KeyId=alias%2Ftest&Plaintext=aGVsbG8gd29ybGQ%3D&EncryptionContext=%7B%22purpose%22%3A%22test%22%7D&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=testAccessKeyId&Signature=debqs4uHKyUmJ0pvNGMKHhTpxfU%3D HTTP/1.1',
      'host: 127.0.0.1:18080',
      'x-acs-version: 2016-01-20',
      'x-acs-action: Encrypt',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/1',
      'x-acs-credentials-provider: static_ak',
      'Connection: keep-alive',
      'Content-Length: 0',
    ].join('\n'),
  },
  {
    name: 'pop-core V1 GET Encrypt',
    scheme: 'V1',
    raw: [
      'GET /?AccessKeyId=testAccessKeyId&Action=Encrypt&Format=JSON&KeyId=alias%2Ftest&Plaintext=aGVsbG8gd29ybGQ%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=1c9d496791ba3a13df472c59aaa862cf&SignatureVersion=1.0&Timestamp=2026-11-23T12%3A14%3A15Z&Version=2016-01-20&Signature=uvcOYiKeEwbdxkdTYxjRy7NLY2k%3D HTTP/1.1',
      'x-sdk-client: Node.js(v20.20.2), @alicloud/pop-core: 1.8.0',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.8.0',
      'x-acs-action: Encrypt',
      'x-acs-version: 2016-01-20',
      'Host: 127.0.0.1:18080',
      'Connection: keep-alive',
    ].join('\n'),
  },
  {
    name: 'pop-core V1 POST form Encrypt',
    scheme: 'V1',
    raw: [
      'POST / HTTP/1.1',
      'x-sdk-client: Node.js(v20.20.2), @alicloud/pop-core: 1.8.0',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.8.0',
      'x-acs-action: Encrypt',
      'x-acs-version: 2016-01-20',
      'content-type: application/x-www-form-urlencoded',
      'Host: 127.0.0.1:18080',
      'Connection: keep-alive',
      'Content-Length: 294',
      '',
      'AccessKeyId=testAccessKeyId&Action=Encrypt&Format=JSON&KeyId=alias%2Ftest&Plaintext=aGVsbG8gd29ybGQ%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=a5ace8e516adb31e5ca1280eee3a0a0c&SignatureVersion=1.0&Timestamp=2026-11-23T12%3A14%3A15Z&Version=2016-01-20&Signature=%2BIKnUxJhILrPfkDw11tgDjymlno%3D',
    ].join('\n'),
  },
  {
    name: 'openapi-client ACS3 CreateSecret with a chunked form body',
    scheme: 'ACS3',
    raw: [
      'POST /?SecretName=db-pass&VersionId=v1&SecretDataType=text&EncryptionKeyId=key-123 HTTP/1.1',
      'host: 127.0.0.1:18080',
      'x-acs-version: 2016-01-20',
      'x-acs-action: CreateSecret',
      'user-agent: AlibabaCloud (linux; x64) Node.js/v20.20.2 Core/1.0.1 TeaDSL/1',
      'x-acs-date: 2026-11-23T12:14:15Z',
      'x-acs-signature-nonce: 93008d4828f281f374a03a106a741047',
      'accept: application/json',
      'content-type: application/x-www-form-urlencoded',
      'x-acs-content-sha256: 3b5f332de9f6a7eb0a91b105a4830ff1e46cfe4939ef90392921038ce1760f0d',
      'x-acs-credentials-provider: static_ak',
      'Authorization: ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=606a1432d74eb01dad5393b510a8349d51f19559b1cadcc58ffd7861c1f3ba3e',
      'Connection: keep-alive',
      'Transfer-Encoding: chunked',
      '',
      'SecretData=hunter2',
    ].join('\n'),
    expected: [
      'POST',
      '/',
      'EncryptionKeyId=key-123&SecretDataType=text&SecretName=db-pass&VersionId=v1',
      'content-type:application/x-www-form-urlencoded',
      'host:127.0.0.1:18080',
      'x-acs-action:CreateSecret',
      'x-acs-content-sha256:3b5f332de9f6a7eb0a91b105a4830ff1e46cfe4939ef90392921038ce1760f0d',
      'x-acs-credentials-provider:static_ak',
      'x-acs-date:2026-11-23T12:14:15Z',
      'x-acs-signature-nonce:93008d4828f281f374a03a106a741047',
      'x-acs-version:2016-01-20',
      '',
      'content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version',
      '3b5f332de9f6a7eb0a91b105a4830ff1e46cfe4939ef90392921038ce1760f0d',
    ].join('\n'),
  },
]
