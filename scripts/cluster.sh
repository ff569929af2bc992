#!/usr/bin/env bash
# Creates the local kind cluster from kind-config.yaml unless it exists. Skipped for CONTEXT=<other>.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if ! on_kind; then
  step "CONTEXT=$CONTEXT: using that cluster, not creating one"
  need_cluster
  exit 0
fi
need kind "run \`make tools\`"
need docker "install Docker (kind runs the cluster's node in a container)"
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  step "kind cluster $CLUSTER_NAME already exists"
else
  step "creating kind cluster $CLUSTER_NAME ($KIND_NODE_IMAGE)"
  kind create cluster --name "$CLUSTER_NAME" --config kind-config.yaml --image "$KIND_NODE_IMAGE" --wait "$ROLLOUT_TIMEOUT"
fi
step "waiting for the node to be Ready"
kube wait --for=condition=Ready nodes --all --timeout="$ROLLOUT_TIMEOUT"
