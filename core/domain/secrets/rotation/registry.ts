/**
 * @module core/domain/secrets/rotation/registry
 *
 * Which strategy rotates a secret: RAMCredentials → ./ram.ts; Generic with a
 * `RotationFunctionUrl` → ./function.ts. Rds and ECS plug in here as further strategies
 * (./strategies/); until they are wired, CreateSecret refuses those types.
 */
import { SECRET_TYPE_GENERIC, SECRET_TYPE_RAM } from '../model'
import { functionStrategy } from './function'
import { ramStrategy } from './ram'
import type { RotationStrategy } from './strategy'

export function strategyFor(secretType: string, config: Record<string, unknown>): RotationStrategy | undefined {
  if (secretType === SECRET_TYPE_RAM) return ramStrategy
  if (secretType === SECRET_TYPE_GENERIC && typeof config.RotationFunctionUrl === 'string') return functionStrategy
  return undefined
}
