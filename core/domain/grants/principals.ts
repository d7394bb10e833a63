/**
 * @module core/domain/grants/principals
 *
 * Grant principals (GranteePrincipal, RetiringPrincipal) in one normalised form, the AWS one:
 *
 * | accepted (AWS or Alibaba form)                                          | stored                                      |
 * |-------------------------------------------------------------------------|---------------------------------------------|
 * | `arn:aws:iam::<acct>:root`, `acs:ram::<acct>:root`                      | `arn:aws:iam::<acct>:root`                  |
 * | `arn:aws:iam::<acct>:user/<name>`, `acs:ram::<acct>:user/<name>`        | `arn:aws:iam::<acct>:user/<name>`           |
 * | `arn:aws:iam::<acct>:role/<name>`, `acs:ram::<acct>:role/<name>`        | `arn:aws:iam::<acct>:role/<name>`           |
 * | `arn:aws:sts::<acct>:assumed-role/<role>/<session>`, `acs:ram::…` alike | `arn:aws:sts::<acct>:assumed-role/<r>/<s>`  |
 *
 * A caller is compared in the same form ({@link callerPrincipals}): a RAM user is its user ARN, the
 * account root its root ARN, an STS role session both its session ARN and its role's ARN (a grant
 * to a role serves every session of it, as on AWS). Names follow this service's own rules (RAM
 * user names, role names, session names), so no stored principal carries a `#`.
 */

const ACCOUNT = '(\\d{1,32})'
const USER = '([A-Za-z0-9.@_-]{1,64})'
const ROLE = '([A-Za-z0-9.-]{1,64})'
const SESSION = '([A-Za-z0-9.@_-]{2,64})'

const FORMS: ReadonlyArray<[RegExp, (m: RegExpExecArray) => string]> = [
  [new RegExp(`^(?:arn:aws:iam|acs:ram)::${ACCOUNT}:root$`), (m) => `arn:aws:iam::${m[1]}:root`],
  [new RegExp(`^(?:arn:aws:iam|acs:ram)::${ACCOUNT}:user/${USER}$`), (m) => `arn:aws:iam::${m[1]}:user/${m[2]}`],
  [new RegExp(`^(?:arn:aws:iam|acs:ram)::${ACCOUNT}:role/${ROLE}$`), (m) => `arn:aws:iam::${m[1]}:role/${m[2]}`],
  [
    new RegExp(`^(?:arn:aws:sts|acs:ram)::${ACCOUNT}:assumed-role/${ROLE}/${SESSION}$`),
    (m) => `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${m[3]}`,
  ],
]

/** The normalised form of a principal ARN, or undefined when it is not one this service knows. */
export function normalisePrincipal(arn: string): string | undefined {
  if (arn.length > 256) return undefined
  for (const [re, to] of FORMS) {
    const m = re.exec(arn)
    if (m) {
      // `root` is the account root, never a user.
      if (/:user\/root$/i.test(arn)) return undefined
      return to(m)
    }
  }
  return undefined
}

/** The account of a normalised principal. */
export function principalAccount(normalised: string): string {
  return normalised.split(':')[4] ?? ''
}

/**
 * Every normalised form a caller (its `acs:ram::…` principal ARN) matches: itself, and for a role
 * session also its role.
 */
export function callerPrincipals(callerArn: string): string[] {
  const own = normalisePrincipal(callerArn)
  if (!own) return []
  const m = /^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/[^/]+$/.exec(own)
  return m ? [own, `arn:aws:iam::${m[1]}:role/${m[2]}`] : [own]
}
