#!/usr/bin/env bash
# On kind, applies metrics-server (mesh/metrics-server, the pinned release with kind's
# --kubelet-insecure-tls) so the HorizontalPodAutoscalers get CPU figures; other clusters bring theirs.
# Applies the dashboards listed in mesh/istio/addons.txt from the pinned Istio release's
# samples/addons and waits for each to roll out. Kiali gets mesh/istio/kiali-config.yaml merged into
# its config (trace links to Jaeger; the sample has tracing off); Grafana gets the kit's dashboards
# (mesh/grafana/*.json, the shop's from `npm run dashboard`) in a folder `mesh-kit`, provisioned as
# the addon provisions its own (scripts/grafana-config.ts). ADDONS=0 skips them (e.g. a cluster
# that has its own).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if on_kind; then
  need_cluster
  grep -qF "/$METRICS_SERVER_VERSION/" mesh/metrics-server/kustomization.yaml ||
    die "mesh/metrics-server/kustomization.yaml does not name METRICS_SERVER_VERSION=$METRICS_SERVER_VERSION (versions.env)"
  apply_changed "metrics-server $METRICS_SERVER_VERSION" -k mesh/metrics-server
  step "waiting for metrics-server"
  kube -n kube-system rollout status deployment/metrics-server --timeout="$ROLLOUT_TIMEOUT"
fi

if [ "${ADDONS:-1}" = 0 ]; then
  step "ADDONS=0: skipping the dashboards"
  exit 0
fi
samples="$TOOLS_BIN/istio-$ISTIO_VERSION/samples/addons"
[ -d "$samples" ] || die "$samples not found: run \`make tools\`"
need_cluster
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' mesh/istio/addons.txt | while read -r file deployment version_var; do
  [ -n "$file" ] || continue
  version=${!version_var}
  grep -qF "$version" "$samples/$file" || warn "$file does not mention $version_var=$version (versions.env)"
  manifest=$samples/$file
  if [ "$file" = kiali.yaml ]; then
    manifest=$tmp/$file
    node_run node --import tsx scripts/kiali-config.ts "$samples/$file" mesh/istio/kiali-config.yaml >"$manifest" </dev/null
  fi
  if [ "$file" = grafana.yaml ]; then
    manifest=$tmp/$file
    node_run node --import tsx scripts/grafana-config.ts "$samples/$file" mesh/grafana >"$manifest" </dev/null
  fi
  apply_changed "$file ($deployment $version)" -f "$manifest"
done
grep -v '^#' mesh/istio/addons.txt | while read -r file deployment _; do
  [ -n "$file" ] || continue
  step "waiting for $deployment"
  kube -n istio-system rollout status "deployment/$deployment" --timeout="$ROLLOUT_TIMEOUT"
done
