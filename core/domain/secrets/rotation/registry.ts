/**
 * @module core/domain/secrets/rotation/registry
 *
 * Which strategy rotates a secret: RAMCredentials → ./ram.ts; Generic with a
 * `RotationFunctionUrl` → ./function.ts; Rds → ./strategies/rds.ts; ECS → ./strategies/ecs.ts
 * (both through the hsm-bridge's rotation connectors).
 */
import { SECRET_TYPE_GENERIC, SECRET_TYPE_RAM } from '../model'
import { functionStrategy } from './function'
import { ramStrategy } from './ram'
import { ecsStrategy } from './strategies/ecs'
import { rdsStrategy } from './strategies/rds'
import type { RotationStrategy } from './strategy'

export function strategyFor(secretType: string, config: Record<string, unknown>): RotationStrategy | undefined {
  if (secretType === SECRET_TYPE_RAM) return ramStrategy
  if (secretType === 'Rds') return rdsStrategy
  if (secretType === 'ECS') return ecsStrategy
  if (secretType === SECRET_TYPE_GENERIC && typeof config.RotationFunctionUrl === 'string') return functionStrategy
  return undefined
}
