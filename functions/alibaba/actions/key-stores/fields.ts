/** @module functions/alibaba/actions/key-stores/fields — `KeyStoreId`, as every key store action reads it (not an action). */
import { text } from '../../fields'

export const KEY_STORE_ID = text({ max: 64 })
