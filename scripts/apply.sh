#!/usr/bin/env bash
# Puts the shop into the cluster: Namespaces first (their labels must exist before any pod), then
# the Secrets from .secrets/, then every object from dist/manifests/ — or, with DEPLOY_WITH=helm,
# the chart in charts/mesh-kit — and waits for each workload to roll out. Changes nothing when the
# cluster already matches.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cluster
secrets="$SECRETS_DIR/secrets.yaml"
[ -f "$secrets" ] || die "$secrets not found: run \`make secrets\`"
manifests=${MANIFESTS_DIR:-dist/manifests}
[ -d "$manifests" ] || die "$manifests not found: run \`make synth\`"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node_run node --import tsx scripts/manifests.ts namespaces "$manifests" >"$tmp/namespaces.yaml"
apply_changed "namespaces" -f "$tmp/namespaces.yaml"
apply_changed "secrets from $secrets" -f "$secrets"

if [ "${DEPLOY_WITH:-manifests}" = helm ]; then
  need helm "run \`make tools\`"
  release=mesh-kit
  # Let the release adopt the Namespace applied above.
  kube label --overwrite -f "$tmp/namespaces.yaml" app.kubernetes.io/managed-by=Helm >/dev/null
  kube annotate --overwrite -f "$tmp/namespaces.yaml" meta.helm.sh/release-name=$release meta.helm.sh/release-namespace=$NAMESPACE >/dev/null
  values=(--set-string "image.registry=$REGISTRY" --set-string "image.tag=$TAG" --set-file "jwt.jwks=${JWKS_FILE:-$SECRETS_DIR/jwks.json}")
  helm template "$release" charts/mesh-kit --namespace "$NAMESPACE" "${values[@]}" >"$tmp/wanted.yaml"
  if helm --kube-context "$KUBE_CONTEXT" get manifest "$release" --namespace "$NAMESPACE" >"$tmp/current.yaml" 2>/dev/null &&
    diff -q "$tmp/current.yaml" "$tmp/wanted.yaml" >/dev/null; then
    step "helm release $release already matches charts/mesh-kit: no changes"
  else
    step "helm upgrade --install $release charts/mesh-kit"
    helm --kube-context "$KUBE_CONTEXT" upgrade --install "$release" charts/mesh-kit --namespace "$NAMESPACE" "${values[@]}"
  fi
else
  apply_changed "$manifests" -f "$manifests"
fi

step "waiting for every workload in namespace $NAMESPACE"
for workload in $(kube -n "$NAMESPACE" get deployments,statefulsets -l "$PART_OF_LABEL" -o name); do
  kube -n "$NAMESPACE" rollout status "$workload" --timeout="$ROLLOUT_TIMEOUT"
done
for job in $(kube -n "$NAMESPACE" get jobs -l "$PART_OF_LABEL" -o name); do
  kube -n "$NAMESPACE" wait "$job" --for=condition=Complete --timeout="$ROLLOUT_TIMEOUT"
done
step "done: \`make port-forward\`, then curl http://localhost:8080/api/... (README, Quickstart)"
