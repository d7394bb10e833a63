/**
 * @module functions/env
 *
 * Worker bindings. Vars come from wrangler.toml; secrets from `wrangler secret put` (deployed) or
 * from the local stack (scripts/start.ts passes them to Miniflare directly, never via files in
 * the repository).
 */
export interface Env {
  /** Region this deployment serves, e.g. `cn-hangzhou`. */
  KMS_REGION?: string
  /** DynamoDB table name. */
  DYNAMODB_TABLE?: string
  /** DynamoDB endpoint; unset means the regional AWS endpoint. Local stack: dynalite's URL. */
  DYNAMODB_ENDPOINT?: string
  DYNAMODB_REGION?: string
  /** Secret: credentials for DynamoDB. */
  DYNAMODB_ACCESS_KEY_ID?: string
  DYNAMODB_SECRET_ACCESS_KEY?: string
  /** Secret: the root key ring JSON `{"current":"<id>","keys":{"<id>":"<base64 32 bytes>"}}`. */
  KMS_ROOT_KEYS?: string
  /** Hardware keys: the hsm-bridge base URL and its shared request-signing secret. */
  HSM_BRIDGE_URL?: string
  HSM_BRIDGE_SECRET?: string
  /**
   * Where the client's address (`acs:SourceIp`, the audit trail's `sourceIp`) comes from
   * (functions/client-ip.ts). Unset: `cf-connecting-ip`, set by Cloudflare's edge (under the
   * local stack, which has no edge: the loopback peer). A header name: the deployment is behind
   * a proxy that sets that header on every request; its rightmost entry is used. `none`: no
   * address. Never name a header the client can set unchecked.
   */
  KMS_TRUSTED_CLIENT_IP_HEADER?: string
  /** Set to "true" only by the local stack: enables local-only admin routes (cron time travel). */
  KMS_LOCAL_MODE?: string
  /** Secret for local-only admin routes (local stack only). */
  KMS_LOCAL_ADMIN_TOKEN?: string
  /**
   * KMS instances: how many isolates are expected to serve one instance's traffic; each admits
   * `Spec / KMS_THROTTLE_ISOLATES` requests per second (core/domain/instances/throttle.ts). Default 1.
   */
  KMS_THROTTLE_ISOLATES?: string
}

export const DEFAULT_REGION = 'cn-hangzhou'
export const DEFAULT_TABLE = 'edge-kms'
