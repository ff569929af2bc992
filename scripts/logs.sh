#!/usr/bin/env bash
# Tails the shop's app logs (SERVICE=<name> for one service), one prefix per pod.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cluster
load_catalog
selector=$PART_OF_LABEL
if [ -n "${SERVICE:-}" ]; then selector="$selector,app=$SERVICE"; fi
step "logs of $selector in $NAMESPACE (Ctrl-C to stop)"
# kubectl refuses to follow more pods than --max-log-requests (default 5): LOG_STREAMS is every pod
# the catalog's autoscalers allow, and more (scripts/catalog-values.ts).
exec kubectl --context "$KUBE_CONTEXT" -n "$NAMESPACE" logs -l "$selector" --prefix --tail=50 --follow \
  --max-log-requests="$LOG_STREAMS"
