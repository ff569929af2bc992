#!/usr/bin/env bash
# A recording, stateful stand-in for kind, kubectl, docker, istioctl, helm and curl, installed under
# each of those names by test/rehearsal/rehearsal.ts. Every call is appended to
# $STANDIN_STATE/calls.log; what a call creates (a cluster, Istio, applied objects, built and
# loaded images, the Deployments applied with their images) is kept under $STANDIN_STATE, so a
# second `make deploy` sees what the first made.
# STANDIN_JOB_STATE=Failed makes every Job fail.
set -euo pipefail
tool=$(basename "$0")
state=${STANDIN_STATE:?STANDIN_STATE is not set}
mkdir -p "$state"
printf '%s %s\n' "$tool" "$*" >>"$state/calls.log"
touch "$state/clusters" "$state/applied" "$state/images" "$state/node-images"

has_line() { grep -qxF -- "$1" "$2"; }

# The content of every -f FILE|DIR argument: what `kubectl diff` compares with what was applied.
content_key() {
  local args=("$@") i path
  for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = -f ] || continue
    path=${args[$((i + 1))]}
    if [ -d "$path" ]; then find "$path" -type f -name '*.yaml' -print | LC_ALL=C sort | xargs cat; else cat "$path"; fi
  done | sha256sum | cut -d' ' -f1
}

cluster_up() { has_line mesh-kit "$state/clusters"; }

# "<app> <name> <image>" of each Deployment in the -f DIR arguments: what the cluster then runs.
deployments_in() {
  local args=("$@") i
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" != -f ] || [ ! -d "${args[$((i + 1))]}" ]; then continue; fi
    # shellcheck disable=SC2016 # awk's own fields
    find "${args[$((i + 1))]}" -type f -name '*.yaml' -print | LC_ALL=C sort | xargs awk '
      FNR == 1 || /^---/ { kind = ""; name = ""; app = ""; image = "" }
      /^kind: / { kind = $2 }
      /^  name: / && name == "" { name = $2 }
      /^    app: / && app == "" { app = $2 }
      /^ +image: / && image == "" { image = $2; if (kind == "Deployment") print app, name, image }'
  done
}

case "$tool" in
  kind)
    case "$*" in
      "get clusters") cat "$state/clusters" ;;
      "create cluster --name "*) echo "$4" >>"$state/clusters" ;;
      "delete cluster --name "*) grep -vxF "$4" "$state/clusters" >"$state/clusters.new" || true; mv "$state/clusters.new" "$state/clusters" ;;
      "get nodes --name "*) cluster_up && echo "$4-control-plane" ;;
      "load image-archive "*) cat "${*: -1}" >>"$state/node-images" ;;
      *) echo "kind stand-in: unexpected call: $*" >&2; exit 1 ;;
    esac
    ;;
  docker)
    case "$*" in
      "buildx version") echo "github.com/docker/buildx v0.30.0" ;;
      "buildx build "* | "build "*)
        args=("$@")
        for ((i = 0; i < ${#args[@]}; i++)); do
          if [ "${args[$i]}" = -t ]; then echo "${args[$((i + 1))]}" >>"$state/images"; fi
        done
        ;;
      "image inspect "*) has_line "$3" "$state/images" ;;
      "save -o "*) has_line "$4" "$state/images" && echo "$4" >"$3" ;;
      "exec "*" crictl inspecti "*) has_line "${*: -1}" <(sed 's|^|docker.io/|' "$state/node-images") ;;
      *) echo "docker stand-in: unexpected call: $*" >&2; exit 1 ;;
    esac
    ;;
  istioctl)
    case "$*" in
      "install "*) touch "$state/istio" ;;
      *) ;;
    esac
    ;;
  kubectl)
    # Drop the global flags the scripts pass first.
    while [ $# -gt 0 ]; do
      case "$1" in
        --context | -n) shift 2 ;;
        *) break ;;
      esac
    done
    case "$*" in
      "get --raw /readyz") cluster_up ;;
      "get deployment istiod "*) [ -f "$state/istio" ] && printf 'docker.io/istio/pilot:1.30.3' ;;
      "diff "*) has_line "$(content_key "$@")" "$state/applied" ;;
      "apply "*)
        content_key "$@" >>"$state/applied"
        deployments=$(deployments_in "$@")
        if [ -n "$deployments" ]; then echo "$deployments" >"$state/deployments"; fi
        ;;
      "rollout status "* | "wait "* | "label "* | "annotate "* | "delete "*) ;;
      "get deployments,statefulsets "*) printf 'deployment.apps/orders\nstatefulset.apps/postgres\n' ;;
      "get deployments -l "*"{.metadata.name} {.spec.template.spec.containers[0].image}"*) cat "$state/deployments" 2>/dev/null || true ;;
      "get deployments -l "*) ;; # every Deployment already selects by version
      "get deployments,poddisruptionbudgets,horizontalpodautoscalers "*)
        # What the cluster runs: the shop's Deployments, plus STANDIN_EXTRA_WORKLOADS (e.g. a v2 left over).
        printf 'deployment.apps/%s\n' users payments orders notifications analytics storefront loadgen
        if [ -n "${STANDIN_EXTRA_WORKLOADS:-}" ]; then printf '%s\n' "$STANDIN_EXTRA_WORKLOADS"; fi
        ;;
      "get jobs "*) if [ -n "${STANDIN_JOBS:-}" ]; then printf '%s\n' "$STANDIN_JOBS"; fi ;;
      "get job.batch/"*) printf '%s ' "${STANDIN_JOB_STATE:-Complete}" ;;
      "logs "*) echo "psql: error: password authentication failed for user \"orders\"" ;;
      "api-resources "*) printf 'pods\nevents\nnamespaces\ndeployments.apps\n' ;;
      "config view "*)
        # A kube config whose server refuses connections: what verify meets without a cluster.
        printf 'apiVersion: v1\nkind: Config\ncurrent-context: stand-in\nclusters:\n- name: stand-in\n  cluster: {server: "https://127.0.0.1:9"}\ncontexts:\n- name: stand-in\n  context: {cluster: stand-in, user: stand-in}\nusers:\n- name: stand-in\n  user: {token: stand-in}\n'
        ;;
      "port-forward "*) echo "Forwarding from 127.0.0.1:${*: -1}" ;;
      *) echo "kubectl stand-in: unexpected call: $*" >&2; exit 1 ;;
    esac
    ;;
  helm) ;;
  curl)
    echo "curl stand-in: the rehearsal has no network ($*)" >&2
    exit 1
    ;;
  *) echo "stand-in: unknown tool $tool" >&2; exit 1 ;;
esac
