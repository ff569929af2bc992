#!/usr/bin/env bash
# Runs the in-cluster conformance suite (infra/verify, `npm run verify`) against the kit's kube
# context, handed over as a one-context kubeconfig so the user's current context does not matter.
# Arguments go to the suite (`--namespace <name>`, `--only <ids>`).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cluster
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kubectl config view --minify --flatten --context "$KUBE_CONTEXT" >"$tmp/kubeconfig"
step "checking the mesh promises on kube context $KUBE_CONTEXT"
KUBECONFIG="$tmp/kubeconfig" NODE_RUN_CLUSTER=1 node_run npm run --silent verify -- "$@"
