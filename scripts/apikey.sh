#!/usr/bin/env bash
# `make apikey NAME=<client> SCOPES=<scope>[,…]` (create) and `make apikey-revoke NAME=<client>`
# (revoke): scripts/apikey.ts against the apikeys database, in the cluster through kubectl exec, or
# a local stack's with APIKEYS_DATABASE_URL=postgres://…/meshkit_apikeys.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: scripts/apikey.sh create|revoke"
if [ -z "${APIKEYS_DATABASE_URL:-}" ]; then
  need_cluster
  export KUBE_CONTEXT
fi
node_run node --import tsx scripts/apikey.ts "$1"
