#!/usr/bin/env bash
# A recording, stateful stand-in for kind, kubectl, docker, istioctl, helm and curl, installed under
# each of those names by test/rehearsal/rehearsal.ts. Every call is appended to
# $STANDIN_STATE/calls.log; what a call creates (a cluster, Istio, applied objects, built and
# loaded images) is kept under $STANDIN_STATE, so a second `make deploy` sees what the first made.
# STANDIN_JOB_STATE=Failed makes every Job fail; STANDIN_ROLLOUT_FAIL=deployment.apps/<name> makes
# that rollout time out; STANDIN_EXTRA_WORKLOADS adds objects to what the cluster lists. `docker
# run` runs its command as a container would (container_run); helm keeps a release (below).
set -euo pipefail
tool=$(basename "$0")
state=${STANDIN_STATE:?STANDIN_STATE is not set}
mkdir -p "$state"
printf '%s %s\n' "$tool" "$*" >>"$state/calls.log"
touch "$state/clusters" "$state/applied" "$state/images" "$state/node-images"

has_line() { grep -qxF -- "$1" "$2"; }

# The name of the -f FILE|DIR argument (its last part: scripts/apply.sh's files live in a new
# temporary folder each run) and the content of every one: `kubectl diff` compares the content with
# what the last apply of the same name applied.
applied_as() {
  local args=("$@") i
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[$i]}" = -f ]; then basename "${args[$((i + 1))]}" && return; fi
  done
}
content_key() {
  local args=("$@") i path
  for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = -f ] || continue
    path=${args[$((i + 1))]}
    if [ -d "$path" ]; then find "$path" -type f -name '*.yaml' -print | LC_ALL=C sort | xargs cat; else cat "$path"; fi
  done | sha256sum | cut -d' ' -f1
}

cluster_up() { has_line mesh-kit "$state/clusters"; }

# `docker run` of a node image, as a container would run it: in the -w folder, with only the -e
# variables and a PATH of STANDIN_CONTAINER_PATH (node and a shell, no kubectl or other host
# tools), and refusing any absolute path, among the arguments and the variables, that no -v mount
# makes visible inside (a real container would find no such file there).
container_run() {
  local mounts=() env=(HOME=/tmp "PATH=${STANDIN_CONTAINER_PATH:?the rehearsal sets STANDIN_CONTAINER_PATH}")
  local workdir=/ path passed=()
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --rm) shift ;;
      --user | --network) shift 2 ;;
      -e)
        case "$2" in
          HOME=*) ;;
          *=*) env+=("$2") && passed+=("${2#*=}") ;;
          *) if [ -n "${!2+set}" ]; then env+=("$2=${!2}") && passed+=("${!2}"); fi ;;
        esac
        shift 2
        ;;
      -v)
        path=${2#*:}
        mounts+=("${path%%:*}")
        shift 2
        ;;
      -w) workdir=$2; shift 2 ;;
      -*) echo "docker stand-in: unexpected run option $1" >&2; exit 1 ;;
      *) break ;;
    esac
  done
  shift # the image
  visible() {
    local mount
    for mount in "${mounts[@]}"; do
      case "$1/" in "$mount"/*) return 0 ;; esac
    done
    return 1
  }
  for path in "$@" ${passed[@]+"${passed[@]}"}; do
    case "$path" in /*) ;; *) continue ;; esac
    visible "$path" || {
      echo "docker stand-in: $path is outside every -v mount: the container cannot see it" >&2
      exit 1
    }
  done
  cd "$workdir"
  exec env -i "${env[@]}" "$@"
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
      "run "*) container_run "$@" ;;
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
    # Drop the global flags the scripts pass first; only kind's context has a cluster behind it.
    context=kind-mesh-kit
    while [ $# -gt 0 ]; do
      case "$1" in
        --context) context=$2 && shift 2 ;;
        -n) shift 2 ;;
        *) break ;;
      esac
    done
    case "$*" in
      "get --raw /readyz") cluster_up && [ "$context" = kind-mesh-kit ] ;;
      "get deployment istiod "*) [ -f "$state/istio" ] && printf 'docker.io/istio/pilot:1.30.3' ;;
      "diff "*) [ "$(grep "^$(applied_as "$@") " "$state/applied" | tail -n 1)" = "$(applied_as "$@") $(content_key "$@")" ] ;;
      "apply "*)
        echo "$(applied_as "$@") $(content_key "$@")" >>"$state/applied"
        # What kubectl creates carries no Helm ownership metadata (see helm below).
        case "$*" in
          *"/namespaces.yaml") touch "$state/unowned-namespaces" ;;
          *"/secrets.yaml") ;;
          *"/data.yaml" | *"/workloads.yaml" | *"/routes-"*".yaml" | *" -f dist/manifests") touch "$state/unowned-objects" ;;
        esac
        ;;
      "label "*"app.kubernetes.io/managed-by=Helm"*) case "$*" in *"/namespaces.yaml"*) rm -f "$state/unowned-namespaces" ;; esac ;;
      "rollout status "*)
        # STANDIN_ROLLOUT_FAIL=deployment.apps/<name>: that rollout never becomes ready.
        [ "$3" != "${STANDIN_ROLLOUT_FAIL:-}" ] || {
          echo "error: timed out waiting for the condition" >&2
          exit 1
        }
        ;;
      "wait "* | "label "* | "annotate "* | "delete "*) ;;
      "get deployments,statefulsets "*"mesh-kit.dev/tier=data "*) printf 'statefulset.apps/postgres\n' ;;
      "get deployments,statefulsets "*)
        printf 'deployment.apps/orders\nstatefulset.apps/postgres\n'
        if [ -n "${STANDIN_EXTRA_WORKLOADS:-}" ]; then grep '^deployment\.apps/' <<<"$STANDIN_EXTRA_WORKLOADS" || true; fi
        ;;
      "get deployments,poddisruptionbudgets,horizontalpodautoscalers "*)
        # What the cluster runs: the shop's Deployments, plus STANDIN_EXTRA_WORKLOADS (e.g. a v2 left over).
        printf 'deployment.apps/%s\n' users payments orders notifications analytics storefront loadgen
        if [ -n "${STANDIN_EXTRA_WORKLOADS:-}" ]; then printf '%s\n' "$STANDIN_EXTRA_WORKLOADS"; fi
        ;;
      "get jobs "*) if [ -n "${STANDIN_JOBS:-}" ]; then printf '%s\n' "$STANDIN_JOBS"; fi ;;
      "get job.batch/"*) printf '%s ' "${STANDIN_JOB_STATE:-Complete}" ;;
      "exec -i statefulset/postgres "*)
        # psql reading one statement on stdin against the apikeys table: an active key per name.
        sql=$(cat)
        printf '%s\n' "$sql" >>"$state/sql.log"
        name=$(sed -n "s/.* name = '\([^']*\)'.*/\1/p; s/.*VALUES ('\([^']*\)'.*/\1/p" <<<"$sql")
        touch "$state/apikeys"
        case "$sql" in
          INSERT*)
            if has_line "$name" "$state/apikeys"; then
              echo 'ERROR:  duplicate key value violates unique constraint "api_keys_active_name"' >&2
              exit 1
            fi
            echo "$name" >>"$state/apikeys" && echo 1
            ;;
          UPDATE*)
            if has_line "$name" "$state/apikeys"; then
              grep -vxF "$name" "$state/apikeys" >"$state/apikeys.new" || true
              mv "$state/apikeys.new" "$state/apikeys" && echo 1
            fi
            ;;
        esac
        ;;
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
  helm)
    # A release in $STANDIN_STATE: `template` renders with the real helm (STANDIN_HELM), `upgrade
    # --install` keeps what it rendered for `get manifest`. Helm refuses to adopt objects without
    # its ownership metadata unless --take-ownership (Helm >= 3.17) is given: pkg/action/validate.go
    # (existingResourceConflict, checkOwnership) and install.go/upgrade.go (TakeOwnership →
    # requireAdoption) at v4.1.4. Not modelled: the per-object check (any unowned object fails).
    render() { if [ -n "${STANDIN_HELM:-}" ]; then "$STANDIN_HELM" template "$@"; fi; }
    args=("$@")
    [ "${args[0]}" != --kube-context ] || args=("${args[@]:2}")
    case "${args[0]}" in
      template) render "${args[@]:1}" ;;
      get) if [ -f "$state/helm-manifest" ]; then cat "$state/helm-manifest"; else echo "Error: release: not found" >&2 && exit 1; fi ;;
      upgrade)
        rest=() adopt=0
        for arg in "${args[@]:1}"; do
          case "$arg" in
            --install) ;;
            --take-ownership) adopt=1 ;;
            *) rest+=("$arg") ;;
          esac
        done
        if [ "$adopt" = 0 ] && { [ -f "$state/unowned-namespaces" ] || [ -f "$state/unowned-objects" ]; }; then
          echo 'Error: UPGRADE FAILED: Unable to continue with install: ServiceAccount "users" in namespace "shop" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"' >&2
          exit 1
        fi
        render "${rest[@]}" >"$state/helm-manifest"
        rm -f "$state/unowned-namespaces" "$state/unowned-objects"
        ;;
      *) echo "helm stand-in: unexpected call: $*" >&2; exit 1 ;;
    esac
    ;;
  curl)
    echo "curl stand-in: the rehearsal has no network ($*)" >&2
    exit 1
    ;;
  *) echo "stand-in: unknown tool $tool" >&2; exit 1 ;;
esac
