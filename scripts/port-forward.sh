#!/usr/bin/env bash
# Forwards localhost:${PORT:-8080} to the Istio ingress gateway (works on kind and everywhere else).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cluster
port=${PORT:-8080}
step "http://localhost:$port → svc/istio-ingressgateway:80 in istio-system (Ctrl-C to stop)"
exec kubectl --context "$KUBE_CONTEXT" -n istio-system port-forward --address 127.0.0.1 svc/istio-ingressgateway "$port:80"
