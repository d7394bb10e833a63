/** @module functions/alibaba/actions/policies/fields — the parameters the resource-policy actions share. */
import { optionalText, text } from '../../fields'

/** `PolicyName`: only `default` exists (checked by the domain). */
export const POLICY_NAME = optionalText({ max: 64 })
/** The policy document (JSON; line breaks allowed). */
export const POLICY_DOCUMENT = text({ max: 32768, allowControl: true })
