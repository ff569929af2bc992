#!/usr/bin/env bash
# Deletes every object carrying the kit's label (app.kubernetes.io/part-of=mesh-kit), in every
# namespace, and nothing else: Istio, the addons and the cluster stay.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cluster
load_catalog
kinds=$(kube api-resources --verbs=list,delete -o name | { grep -v '^events' || true; } | paste -sd, -)
[ -n "$kinds" ] || die "the cluster lists no resource types"

step "deleting objects labelled $PART_OF_LABEL"
kube delete "$kinds" --all-namespaces -l "$PART_OF_LABEL" --ignore-not-found --wait=true --timeout="$ROLLOUT_TIMEOUT"
