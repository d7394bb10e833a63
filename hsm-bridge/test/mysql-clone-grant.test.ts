/**
 * The DoubleUsers clone's grants (rotation/mysql.ts cloneGrant): the account name is inserted as
 * literal text. With a String#replace replacement string, `$&`, `` $` `` or `$'` in the name
 * (the secret's AccountName + `_clone`, tenant input) expanded into other parts of the grant,
 * outside the identifier's backquotes: SQL injection into a statement run with the admin login.
 */
import { describe, expect, it } from 'vitest'

import { cloneGrant } from '../src/rotation/mysql.js'

describe('cloneGrant', () => {
  const grant = 'GRANT SELECT, INSERT ON `appdb`.* TO `app`@`%`'

  it('re-targets a grant to the clone', () => {
    expect(cloneGrant(grant, 'app', 'app_clone', '%')).toBe('GRANT SELECT, INSERT ON `appdb`.* TO `app_clone`@`%`')
    expect(cloneGrant(`${grant} IDENTIFIED BY PASSWORD '*ABC'`, 'app', 'app_clone', '%')).toBe(
      'GRANT SELECT, INSERT ON `appdb`.* TO `app_clone`@`%`',
    )
  })

  it('skips USAGE and grants of other accounts', () => {
    expect(cloneGrant('GRANT USAGE ON *.* TO `app`@`%`', 'app', 'app_clone', '%')).toBeUndefined()
    expect(cloneGrant('GRANT SELECT ON `appdb`.* TO `other`@`%`', 'app', 'app_clone', '%')).toBeUndefined()
  })

  it('inserts $-patterns of the account name literally, inside its quotes', () => {
    for (const user of ['x$`_clone', "x$'_clone", 'x$&_clone', 'x$$_clone', 'x`$`_clone']) {
      const out = cloneGrant(`${grant} WITH GRANT OPTION`, 'app', user, '%')
      expect(out).toBe(`GRANT SELECT, INSERT ON \`appdb\`.* TO \`${user.replace(/`/g, '``')}\`@\`%\` WITH GRANT OPTION`)
    }
  })
})
