/**
 * @module core/domain/targets
 *
 * Resolve each target once: parse how a request names keys, aliases, secrets and blobs
 * (./parse.ts), load what authorisation judges (./resolve.ts), and hand the resolved targets
 * (./model.ts) to the handler and the domain operations, which act on them without re-reading.
 */
export * from './model'
export * from './parse'
export * from './resolve'
export * from './secret-keys'
