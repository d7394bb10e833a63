/** @module functions/alibaba/ram/roles/update-role — UpdateRole (an absent or empty `NewAssumeRolePolicyDocument` keeps the trust policy). */
import { updateRole } from '../../../../core/domain/principals/roles'
import { action } from '../../action'
import { optionalInt, optionalText } from '../../fields'
import { ROLE, on } from '../../permission'
import { ROLE_NAME } from '../fields'
import { roleShape } from '../shape'

export const UpdateRole = action({
  name: 'UpdateRole',
  params: {
    RoleName: ROLE_NAME,
    NewAssumeRolePolicyDocument: optionalText({ max: 8192, allowControl: true }),
    NewDescription: optionalText({ max: 2048 }),
    NewMaxSessionDuration: optionalInt(0, 1_000_000),
  },
  permission: on(ROLE, false),
  handler: async ({ deps, caller }, input) => {
    const role = await updateRole(deps, caller, {
      roleName: input.RoleName,
      assumeRolePolicyDocument: input.NewAssumeRolePolicyDocument || undefined,
      description: input.NewDescription,
      maxSessionDuration: input.NewMaxSessionDuration,
    })
    return { Role: roleShape(role, { document: true, updated: true }) }
  },
})
