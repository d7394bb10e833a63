// The ceiling: a trivial hello-world Worker, served by the benchmark exactly as the product is
// (same Miniflare/workerd options as scripts/lib/stack.ts, same compatibility date and flags).
// It answers every request with a small JSON body, touching neither the store nor any crypto.
export default {
  async fetch() {
    return new Response('{"Message":"hello, world"}', { headers: { 'content-type': 'application/json;charset=utf-8' } })
  },
}
