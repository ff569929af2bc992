#!/usr/bin/env bash
# Opens a dashboard from the Istio addons on localhost: dashboard.sh kiali|jaeger|grafana|prometheus
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
  kiali) service=kiali port=20001 remote=20001 path=/kiali ;;
  jaeger) service=tracing port=16686 remote=80 path=/jaeger ;;
  grafana) service=grafana port=3000 remote=3000 path=/ ;;
  prometheus) service=prometheus port=9090 remote=9090 path=/ ;;
  *) die "usage: $0 kiali|jaeger|grafana|prometheus" ;;
esac
need_cluster
step "$1 at http://localhost:$port$path (Ctrl-C to stop)"
exec kubectl --context "$KUBE_CONTEXT" -n istio-system port-forward --address 127.0.0.1 "svc/$service" "$port:$remote"
