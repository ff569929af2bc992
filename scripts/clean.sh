#!/usr/bin/env bash
# Deletes the local kind cluster (and everything in it). Never touches a CONTEXT=<other> cluster.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if ! on_kind; then die "CONTEXT=$CONTEXT is not the kit's kind cluster: \`make clean\` only deletes kind-$CLUSTER_NAME (use \`make undeploy\`)"; fi
need kind "run \`make tools\`"
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  step "deleting kind cluster $CLUSTER_NAME"
  kind delete cluster --name "$CLUSTER_NAME"
else
  step "no kind cluster named $CLUSTER_NAME"
fi
