#!/usr/bin/env bash
# Shows the shop's pods with their sidecars, the mTLS mode and the gateway.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cluster
load_catalog
step "pods in $NAMESPACE (istio-proxy is a native sidecar: an init container that keeps running)"
kube -n "$NAMESPACE" get pods -l "$PART_OF_LABEL" -o custom-columns='POD:.metadata.name,PHASE:.status.phase,APP_READY:.status.containerStatuses[*].ready,SIDECAR:.spec.initContainers[?(@.name=="istio-proxy")].name,SIDECAR_READY:.status.initContainerStatuses[?(@.name=="istio-proxy")].ready,RESTARTS:.status.containerStatuses[*].restartCount'
step "mTLS (PeerAuthentication)"
kube get peerauthentications.security.istio.io -A -o custom-columns='NAMESPACE:.metadata.namespace,NAME:.metadata.name,MODE:.spec.mtls.mode'
step "ingress gateway"
kube -n istio-system get service istio-ingressgateway
if command -v istioctl >/dev/null 2>&1; then
  step "proxy sync (istioctl proxy-status)"
  istioctl --context "$KUBE_CONTEXT" proxy-status
fi
