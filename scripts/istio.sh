#!/usr/bin/env bash
# Installs Istio (CNI on; mesh config from mesh/istio/) unless this Istio version already runs,
# then applies the mesh-wide Telemetry and waits for the control plane. ISTIO_REINSTALL=1 re-applies
# the install config on a cluster that has it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need istioctl "run \`make tools\`"
need_cluster
installed=$(kube -n istio-system get deployment istiod -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null || true)
if [ -n "$installed" ] && [ "${ISTIO_REINSTALL:-0}" != 1 ]; then
  case "$installed" in
    *":$ISTIO_VERSION"*) step "Istio $ISTIO_VERSION already installed" ;;
    *) warn "Istio is installed ($installed) but not $ISTIO_VERSION; leaving it as it is (ISTIO_REINSTALL=1 to replace)" ;;
  esac
else
  files=(-f mesh/istio/istio-operator.yaml)
  if on_kind; then files+=(-f mesh/istio/kind-overlay.yaml); fi
  step "installing Istio $ISTIO_VERSION with CNI"
  istioctl install --context "$KUBE_CONTEXT" "${files[@]}" --skip-confirmation
fi
step "waiting for istiod, the CNI node agent and the ingress gateway"
kube -n istio-system rollout status deployment/istiod --timeout="$ROLLOUT_TIMEOUT"
kube -n istio-system rollout status daemonset/istio-cni-node --timeout="$ROLLOUT_TIMEOUT"
kube -n istio-system rollout status deployment/istio-ingressgateway --timeout="$ROLLOUT_TIMEOUT"
apply_changed "mesh-wide telemetry (mesh/istio/telemetry.yaml)" -f mesh/istio/telemetry.yaml
