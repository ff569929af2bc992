#!/usr/bin/env bash
# Forwards localhost:${PORT:-8080} (HTTP) and localhost:${HTTPS_PORT:-8443} (HTTPS, the certificate
# `make secrets` made for localhost) to the Istio ingress gateway (works on kind and everywhere else).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cluster
port=${PORT:-8080}
https_port=${HTTPS_PORT:-8443}
step "http://localhost:$port → :80 and https://localhost:$https_port → :443 of svc/istio-ingressgateway in istio-system (Ctrl-C to stop)"
exec kubectl --context "$KUBE_CONTEXT" -n istio-system port-forward --address 127.0.0.1 svc/istio-ingressgateway \
  "$port:80" "$https_port:443"
