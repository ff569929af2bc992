#!/usr/bin/env bash
# @models kind, kubectl, docker, istioctl, helm and curl as a user's cluster path meets them
# A recording, stateful stand-in for kind, kubectl, docker, istioctl, helm and curl, installed under
# each of those names by test/rehearsal/rehearsal.ts. Every call is appended to
# $STANDIN_STATE/calls.log; what a call creates (a cluster, Istio, applied objects, built and
# loaded images) is kept under $STANDIN_STATE, so a second `make deploy` sees what the first made.
# STANDIN_JOB_STATE=Failed makes every Job fail.
#
# helm models one rule of Helm v4.1.4 (docs/testing.md, "Models and what they imitate"): an install
# or upgrade refuses to adopt an object that exists in the cluster without its ownership metadata
# (pkg/action/validate.go @ v4.1.4: existingResourceConflict, checkOwnership; install.go and
# upgrade.go: only --take-ownership skips the check). The objects are read from the files kubectl
# applied and from the chart's templates (names there are not templated), as `Kind|name|namespace`.
set -euo pipefail
tool=$(basename "$0")
state=${STANDIN_STATE:?STANDIN_STATE is not set}
mkdir -p "$state"
printf '%s %s\n' "$tool" "$*" >>"$state/calls.log"
touch "$state/clusters" "$state/applied" "$state/images" "$state/node-images" "$state/objects" \
  "$state/helm-labelled" "$state/helm-annotated" "$state/helm-releases" "$state/helm-release-objects"

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

# The YAML files named by the -f FILE|DIR arguments.
yaml_files() {
  local args=("$@") i path
  for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = -f ] || continue
    path=${args[$((i + 1))]}
    if [ -d "$path" ]; then find "$path" -type f -name '*.yaml' -print | LC_ALL=C sort; else echo "$path"; fi
  done
}

# `Kind|name|namespace` of every object in the given YAML files.
objects_in() {
  [ $# -gt 0 ] || return 0
  awk '
    function emit() { if (kind != "" && name != "") print kind "|" name "|" ns; kind = ""; name = ""; ns = ""; meta = 0 }
    FNR == 1 { emit() }
    /^---/ { emit(); next }
    /^metadata:/ { meta = 1; next }
    /^[^ #]/ { meta = 0 }
    /^kind: / { kind = $2 }
    meta && /^  name: / { name = $2; gsub(/"/, "", name) }
    meta && /^  namespace: / { ns = $2; gsub(/"/, "", ns) }
    END { emit() }
  ' "$@"
}

# helm upgrade --install RELEASE CHART --namespace NS [--take-ownership]: Helm's ownership check.
helm_upgrade_install() {
  local args=("$@") i release="" chart="" namespace=default take=false positional=()
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[$i]}" in
      --kube-context | --set-string | --set-file | --set | -f | --values) i=$((i + 1)) ;;
      --namespace | -n) namespace=${args[$((i + 1))]}; i=$((i + 1)) ;;
      --take-ownership) take=true ;;
      upgrade | --install) ;;
      -*) ;;
      *) positional+=("${args[$i]}") ;;
    esac
  done
  release=${positional[0]:?helm stand-in: no release name}
  chart=${positional[1]:?helm stand-in: no chart}
  local action=install object kind name ns problems templates
  mapfile -t templates < <(find "$chart/templates" -type f -name '*.yaml' -print | LC_ALL=C sort)
  if has_line "$release" "$state/helm-releases"; then action=update; fi
  while IFS= read -r object; do
    # upgrade.go: only objects the release does not hold yet are checked.
    if has_line "$release $object" "$state/helm-release-objects"; then continue; fi
    "$take" && continue
    problems=()
    has_line "$object" "$state/helm-labelled" ||
      problems+=('label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"')
    if ! has_line "$object $release $namespace" "$state/helm-annotated"; then
      problems+=("annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"$release\"")
      problems+=("annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"$namespace\"")
    fi
    [ ${#problems[@]} -eq 0 ] && continue
    IFS='|' read -r kind name ns <<<"$object"
    local joined
    joined=$(printf '%s; ' "${problems[@]}")
    echo "Error: unable to continue with $action: $kind \"$name\" in namespace \"$ns\" exists and cannot be imported into the current release: invalid ownership metadata; ${joined%; }" >&2
    return 1
  done < <(objects_in "${templates[@]}" | grep -Fxf "$state/objects" || true)
  echo "$release" >>"$state/helm-releases"
  objects_in "${templates[@]}" | sed "s/^/$release /" >>"$state/helm-release-objects"
}

case "$tool" in
  kind)
    case "$*" in
      "get clusters") cat "$state/clusters" ;;
      "create cluster --name "*) echo "$4" >>"$state/clusters" ;;
      "delete cluster --name "*) grep -vxF "$4" "$state/clusters" >"$state/clusters.new" || true; mv "$state/clusters.new" "$state/clusters" ;;
      # kind names the single node <cluster>-control-plane (pkg/cluster/internal/providers/common/namer.go @ v0.31.0).
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
        mapfile -t files < <(yaml_files "$@")
        objects_in "${files[@]}" >>"$state/objects"
        ;;
      "label "*)
        mapfile -t files < <(yaml_files "$@")
        if [[ " $* " == *" app.kubernetes.io/managed-by=Helm "* ]]; then objects_in "${files[@]}" >>"$state/helm-labelled"; fi
        ;;
      "annotate "*)
        mapfile -t files < <(yaml_files "$@")
        release=$(grep -o 'meta\.helm\.sh/release-name=[^ ]*' <<<"$*" | cut -d= -f2 || true)
        namespace=$(grep -o 'meta\.helm\.sh/release-namespace=[^ ]*' <<<"$*" | cut -d= -f2 || true)
        if [ -n "$release" ] && [ -n "$namespace" ]; then
          objects_in "${files[@]}" | sed "s/\$/ $release $namespace/" >>"$state/helm-annotated"
        fi
        ;;
      "rollout status "* | "wait "* | "delete "*) ;;
      "get deployments,statefulsets "*) printf 'deployment.apps/orders\nstatefulset.apps/postgres\n' ;;
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
  helm)
    case " $* " in
      *" upgrade "*" --install "* | *" upgrade --install "*) helm_upgrade_install "$@" ;;
      *) ;;
    esac
    ;;
  curl)
    echo "curl stand-in: the rehearsal has no network ($*)" >&2
    exit 1
    ;;
  *) echo "stand-in: unknown tool $tool" >&2; exit 1 ;;
esac
