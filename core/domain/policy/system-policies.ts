/**
 * @module core/domain/policy/system-policies
 *
 * The built-in policies (RAM PolicyType `System`), which every account can attach but nobody can
 * change or delete, and the default resource policy of keys and secrets that have none.
 */
import { parsePolicyDocument, type PolicyDocument } from './document'

export interface SystemPolicy {
  name: string
  description: string
  document: string
}

function doc(statements: object[]): string {
  return JSON.stringify({ Version: '1', Statement: statements })
}

export const SYSTEM_POLICIES: readonly SystemPolicy[] = [
  {
    name: 'AdministratorAccess',
    description: 'Full access to every service of the account.',
    document: doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]),
  },
  {
    name: 'AliyunKMSFullAccess',
    description: 'Full access to Key Management Service (KMS).',
    document: doc([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]),
  },
  {
    name: 'AliyunKMSReadOnlyAccess',
    description: 'Read-only access to Key Management Service (KMS): metadata, never secret values.',
    document: doc([
      {
        Effect: 'Allow',
        Action: ['kms:List*', 'kms:Describe*', 'kms:GetKeyPolicy', 'kms:GetSecretPolicy', 'kms:GetPublicKey'],
        Resource: '*',
      },
    ]),
  },
  {
    name: 'AliyunRAMFullAccess',
    description: 'Full access to Resource Access Management (RAM).',
    document: doc([{ Effect: 'Allow', Action: 'ram:*', Resource: '*' }]),
  },
  {
    name: 'AliyunRAMReadOnlyAccess',
    description: 'Read-only access to Resource Access Management (RAM).',
    document: doc([{ Effect: 'Allow', Action: ['ram:Get*', 'ram:List*'], Resource: '*' }]),
  },
  {
    name: 'AliyunActionTrailFullAccess',
    description: 'Full access to the audit trail (LookupEvents).',
    document: doc([{ Effect: 'Allow', Action: 'actiontrail:*', Resource: '*' }]),
  },
  {
    name: 'AliyunSTSAssumeRoleAccess',
    description: 'Permission to call AssumeRole of Security Token Service (STS).',
    document: doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
  },
]

const compiled = new Map<string, PolicyDocument>()

/** The system policy of that name, if any. */
export function systemPolicy(name: string): SystemPolicy | undefined {
  return SYSTEM_POLICIES.find((p) => p.name === name)
}

/**
 * The compiled document of a system policy.
 * @throws never for the names of {@link SYSTEM_POLICIES}; undefined for others.
 */
export function systemPolicyDocument(name: string): PolicyDocument | undefined {
  const policy = systemPolicy(name)
  if (!policy) return undefined
  let d = compiled.get(name)
  if (!d) {
    d = parsePolicyDocument(policy.document, 'identity')
    compiled.set(name, d)
  }
  return d
}

/**
 * Alibaba's default key (and secret) policy: delegate to the RAM policies of the owning account.
 * @throws never
 */
export function defaultResourcePolicyText(accountId: string): string {
  return JSON.stringify({
    Version: '1',
    Statement: [
      {
        Sid: 'Enable RAM User Permissions',
        Effect: 'Allow',
        Principal: { RAM: [`acs:ram::${accountId}:*`] },
        Action: ['kms:*'],
        Resource: ['*'],
      },
    ],
  })
}
