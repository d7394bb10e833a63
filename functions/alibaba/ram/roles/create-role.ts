/** @module functions/alibaba/ram/roles/create-role — CreateRole with its trust policy (`AssumeRolePolicyDocument`). */
import { createRole } from '../../../../core/domain/principals/roles'
import { action } from '../../action'
import { optionalInt, optionalText, text } from '../../fields'
import { ROLE, on } from '../../permission'
import { ROLE_NAME } from '../fields'
import { roleShape } from '../shape'

export const CreateRole = action({
  name: 'CreateRole',
  params: {
    RoleName: ROLE_NAME,
    AssumeRolePolicyDocument: text({ max: 8192, allowControl: true }),
    Description: optionalText({ max: 2048 }),
    MaxSessionDuration: optionalInt(0, 1_000_000),
  },
  permission: on(ROLE, false),
  handler: async ({ deps, caller }, input) => {
    const role = await createRole(deps, caller, {
      roleName: input.RoleName,
      assumeRolePolicyDocument: input.AssumeRolePolicyDocument,
      description: input.Description,
      maxSessionDuration: input.MaxSessionDuration,
    })
    return { Role: roleShape(role, { document: true }) }
  },
})
