#!/usr/bin/env bash
# Runs AWS's public XKS proxy compliance client (aws-samples/aws-kms-xksproxy-test-client:
# bash + curl --aws-sigv4 + jq) against the hsm-bridge's XKS endpoint. The client's code is not
# part of this repository: pass the path of a checkout of it.
#
#   git clone https://github.com/aws-samples/aws-kms-xksproxy-test-client /tmp/xks-test-client
#   scripts/xks-test-client.sh /tmp/xks-test-client
#
# By default it starts a throwaway bridge (fresh SoftHSMv2 token in a temp dir, XKS endpoint on
# a free loopback port, plain HTTP) with the client's default URI prefix and SigV4 credential and
# the XKS key "foo", runs `test-xks-proxy` with SCHEME= (http), prints the client's summary
# (PASSED/FAILED counts) and stops the bridge. To test another running endpoint instead, set
# XKS_PROXY_HOST (host:port), URI_PREFIX, SIGV4_ACCESS_KEY_ID, SIGV4_SECRET_ACCESS_KEY, KEY_ID
# and SCHEME yourself (the keys must exist there).
#
# Needs: bash 4.2+, curl ≥ 7.75, jq, xxd, and softhsm2 for the default mode. `uuidgen` is shimmed
# from /proc/sys/kernel/random/uuid when missing. Exit status: the client's.
set -euo pipefail

checkout=${1:?usage: scripts/xks-test-client.sh <path to aws-kms-xksproxy-test-client checkout> [test-xks-proxy args]}
shift
checkout=$(cd "$checkout" && pwd)
[[ -x "$checkout/test-xks-proxy" ]] || { echo "no test-xks-proxy in $checkout" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)

shim=$(mktemp -d)
cleanup() { [[ -n "${bridge_pid:-}" ]] && kill "$bridge_pid" 2>/dev/null || true; rm -rf "$shim"; }
trap cleanup EXIT
if ! command -v uuidgen >/dev/null; then
  printf '#!/bin/sh\ncat /proc/sys/kernel/random/uuid\n' > "$shim/uuidgen"
  chmod +x "$shim/uuidgen"
fi
export PATH="$shim:$root/node_modules/.bin:$PATH"

if [[ -z "${XKS_PROXY_HOST:-}" ]]; then
  export URI_PREFIX=${URI_PREFIX:-example/uri/path/prefix}
  export SIGV4_ACCESS_KEY_ID=${SIGV4_ACCESS_KEY_ID:-BETWEEN2TENAND3TENCHARACTERS}
  export SIGV4_SECRET_ACCESS_KEY=${SIGV4_SECRET_ACCESS_KEY:-PleaseReplaceThisWithSomeSecretOfLength43To64}
  export KEY_ID=${KEY_ID:-foo}
  # The helper lives while its stdin (this fifo) is open.
  mkfifo "$shim/hold" "$shim/out"
  (cd "$root" && exec node --import tsx scripts/lib/xks-test-bridge.ts "$KEY_ID" < "$shim/hold" > "$shim/out") &
  bridge_pid=$!
  exec 3> "$shim/hold"
  read -r line < "$shim/out"
  [[ "$line" == XKS_PROXY_HOST=* ]] || { echo "the bridge did not start: $line" >&2; exit 1; }
  export XKS_PROXY_HOST=${line#XKS_PROXY_HOST=}
  export SCHEME=${SCHEME-}
fi

cd "$checkout"
export VERBOSE=${VERBOSE-}
set +e
./test-xks-proxy "$@"
status=$?
exec 3>&-
exit $status
