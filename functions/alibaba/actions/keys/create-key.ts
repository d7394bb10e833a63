/**
 * @module functions/alibaba/actions/keys/create-key
 *
 * CreateKey: a software, HSM or external key (`Origin=EXTERNAL_KEY_STORE`, ../key-stores/external.ts),
 * optionally in a KMS instance (`DKMSInstanceId`) and with its resource policy (`Policy`, stored
 * before the key: core/domain/keys/create-key-with-policy.ts).
 */
import { createKey } from '../../../../core/domain/keys/create-key'
import { createKeyWithPolicy } from '../../../../core/domain/keys/create-key-with-policy'
import { createKeyInInstance } from '../../../../core/domain/instances/create-in-instance'
import { action } from '../../action'
import { DESCRIPTION, TAGS, optionalBool, optionalText } from '../../fields'
import { on } from '../../permission'
import { keyMetadata } from '../../shape'
import { createExternalKeyAction } from '../key-stores/external'

export const CreateKey = action({
  name: 'CreateKey',
  params: {
    KeySpec: optionalText({ max: 64 }),
    KeyUsage: optionalText({ max: 64 }),
    Origin: optionalText({ max: 64 }),
    ProtectionLevel: optionalText({ max: 64 }),
    Description: DESCRIPTION,
    EnableAutomaticRotation: optionalBool(),
    RotationInterval: optionalText({ max: 32 }),
    Tags: TAGS,
    DKMSInstanceId: optionalText({ max: 128 }),
    Policy: optionalText({ max: 32768, allowControl: true }),
  },
  permission: on({ kind: 'collection', name: 'key' }, false),
  handler: async (ctx, input) => {
    const { deps, caller } = ctx
    // An external key (XKS): its own parameters and path (../key-stores/external.ts).
    if (input.Origin === 'EXTERNAL_KEY_STORE') return createExternalKeyAction(ctx)
    const spec = {
      keySpec: input.KeySpec,
      keyUsage: input.KeyUsage,
      origin: input.Origin,
      protectionLevel: input.ProtectionLevel,
      description: input.Description,
      enableAutomaticRotation: input.EnableAutomaticRotation,
      rotationInterval: input.RotationInterval,
      tags: input.Tags,
    }
    const instanceId = input.DKMSInstanceId || undefined
    const key = await createKeyWithPolicy(deps, caller, input.Policy || undefined, (keyId) =>
      instanceId
        ? createKeyInInstance({ ...deps, instances: deps.store.instances }, caller, { ...spec, keyId, instanceId })
        : createKey(deps, caller, { ...spec, keyId }),
    )
    return { KeyMetadata: keyMetadata(key) }
  },
})
