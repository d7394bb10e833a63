/**
 * @module core/domain/loopback
 *
 * The three canonical names a URL's `hostname` gives for this machine's loopback interface
 * (`127.0.0.1`, `localhost`, `[::1]` — IPv6 in brackets, as `URL` writes it): where plain http
 * or a local-only route is allowed. Deliberately exact (not 127.0.0.0/8 or `*.localhost`).
 */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]'])

export function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname)
}
