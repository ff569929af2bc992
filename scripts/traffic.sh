#!/usr/bin/env bash
# Changes the traffic state (.traffic.json: canary weights, promotions, rollbacks, mirrors, the
# fault scenario) through scripts/traffic.ts, which checks it against the catalog and names the make
# variable at fault. The Makefile then re-synthesizes and applies, so the cluster follows the file;
# without a reachable cluster nothing is written.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ "${DEPLOY_WITH:-manifests}" != manifests ]; then
  die "make $1 changes dist/manifests; the Helm chart is the catalog as a fresh clone deploys it (DEPLOY_WITH=manifests)"
fi
# The state changes only when there is a cluster to follow it.
if [ "${1:-}" != show ]; then need_cluster; fi
step "$*"
node_run node --import tsx scripts/traffic.ts "$@"
