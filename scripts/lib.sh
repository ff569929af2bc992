# shellcheck shell=bash
# Shared by the cluster scripts: strict mode, the pins, ./bin on PATH, the target context and a
# progress line per step. Sourced, never run: `. "$(dirname "$0")/lib.sh"`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=../versions.env
. "${VERSIONS_FILE:-$ROOT/versions.env}"
# The pinned tools from `make tools` come first (TOOLS_BIN: another folder, e.g. for tests).
TOOLS_BIN=${TOOLS_BIN:-$ROOT/bin}
export PATH="$TOOLS_BIN:$PATH"

CLUSTER_NAME=${CLUSTER_NAME:-mesh-kit}
KIND_CONTEXT="kind-$CLUSTER_NAME"
# CONTEXT empty = the local kind cluster; anything else = a cluster the kit does not create.
CONTEXT=${CONTEXT:-}
KUBE_CONTEXT=${CONTEXT:-$KIND_CONTEXT}
REGISTRY=${REGISTRY:-mesh-kit}

# sha256_files FILE...: one "<sha256>  <file>" line per file; sha256_stdin: the digest of stdin.
sha256_files() { if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
sha256_stdin() { sha256_files - | cut -d' ' -f1; }

# image_tag SERVICE: the package version plus a hash of everything SERVICE's image is built from —
# the Dockerfile, .dockerignore, the root package files, the catalog and runtime workspaces and the service's own
# (minus what .dockerignore leaves out), and NODE_IMAGE when that build argument replaces the base —
# so a code change rolls out the services it touches, and an unchanged tree rolls out nothing.
image_tag() {
  local service=$1 version file files=()
  version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/package.json" | head -n 1)
  while IFS= read -r file; do files+=("$file"); done < <(
    find Dockerfile .dockerignore package.json package-lock.json tsconfig.base.json packages/catalog services/runtime "services/$service" \
      -type f -not -path '*/node_modules/*' -not -path '*/dist/*' -not -path '*/test/*' -not -name '*.tsbuildinfo' \
      -print | LC_ALL=C sort
  )
  printf '%s-%s' "$version" "$({
    sha256_files "${files[@]}"
    if [ -n "${NODE_IMAGE:-}" ]; then echo "NODE_IMAGE=$NODE_IMAGE"; fi
  } | sha256_stdin | cut -c1-12)"
}
# service_tag SERVICE: TAG when given (every image under one release tag), else image_tag SERVICE.
service_tag() { if [ -n "${TAG:-}" ]; then printf '%s' "$TAG"; else image_tag "$1"; fi; }
# shellcheck disable=SC2034 # used by the scripts that source this file
SECRETS_DIR=${SECRETS_DIR:-$ROOT/.secrets}

# `step "installing Istio"` prints one progress line, prefixed with the script's name.
step() { printf '==> %s: %s\n' "$(basename "$0" .sh)" "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

on_kind() { [ -z "$CONTEXT" ] || [ "$CONTEXT" = "$KIND_CONTEXT" ]; }

kube() { kubectl --context "$KUBE_CONTEXT" "$@"; }

# apply_changed WHAT -f FILE|DIR: server-side apply (the kit's files are the truth for the objects
# they name), but only when `kubectl diff` finds a difference, so a second run changes nothing.
# Sets APPLIED to 1 when it applied, 0 when nothing changed.
APPLIED=0
# shellcheck disable=SC2034 # APPLIED is read by the scripts that source this file
apply_changed() {
  local what=$1
  shift
  if kube diff --server-side --force-conflicts --field-manager=mesh-kit "$@" >/dev/null 2>&1; then
    step "$what: no changes"
    APPLIED=0
  else
    step "$what: applying"
    kube apply --server-side --force-conflicts --field-manager=mesh-kit "$@"
    APPLIED=1
  fi
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"
}

need_cluster() {
  need kubectl "run \`make tools\` (installs the pinned kubectl into ./bin)"
  kube get --raw /readyz >/dev/null 2>&1 ||
    die "no cluster answers on kube context '$KUBE_CONTEXT' (run \`make cluster\`, or give CONTEXT=<your context>)"
}

# load_catalog: sets NAMESPACE, PART_OF_LABEL, TIER_LABEL, SERVICES, POSTGRES_ADMIN_SECRET, LOG_STREAMS and
# DATABASE_SECRET_SUFFIX from the catalog (through
# scripts/catalog-values.ts), the only place they are written. Only the scripts that use them call
# it: it starts Node.
load_catalog() {
  local values
  values=$(node_run node --import tsx scripts/catalog-values.ts) || die "could not read the catalog (scripts/catalog-values.ts)"
  eval "$values"
}

# The environment the Node scripts read (process.env): node_run hands each one into the container.
NODE_RUN_ENV=(IMAGE_REGISTRY IMAGE_TAG IMAGE_TAGS JWKS_FILE LOADGEN_JWKS_FILE IDENTITY_JWKS_FILE DB_CREDENTIALS_REVISION NAME SCOPES SUB
  KUBE_CONTEXT APIKEYS_DATABASE_URL SECRETS_DIR TRAFFIC_FILE MANIFESTS_DIR HTTPS_REDIRECT)

# credentials_revision: a SHA-256 over the database credential files under SECRETS_DIR (empty before
# `make secrets`); its first digits name the database init Job, so new credentials re-run it and
# only the digest leaves .secrets/. Needs load_catalog.
credentials_revision() {
  if [ -f "$SECRETS_DIR/$POSTGRES_ADMIN_SECRET.json" ]; then
    cat "$SECRETS_DIR/$POSTGRES_ADMIN_SECRET.json" "$SECRETS_DIR"/*"$DATABASE_SECRET_SUFFIX".json | sha256_stdin
  fi
}

# Runs a Node script from the repository: with the local node when it is new enough, otherwise
# inside the same node image the services use, so Docker and make are the only prerequisites. The
# container sees the repository and, at the same paths, the folder of every absolute path among
# the arguments and the path variables (a temporary file, SECRETS_DIR=/elsewhere). It has no
# kubectl: what talks to the cluster runs here, not there.
node_run() {
  if command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    [ -d "$ROOT/node_modules" ] || npm ci --no-audit --no-fund >&2
    "$@"
  else
    need docker "install Docker, or Node >= 20.19"
    local cluster_access=() mounts=(-v "$ROOT:$ROOT") mounted=" $ROOT " env_args=() path dir name
    # Only `make verify` talks to the cluster. kind's API server listens on the host's 127.0.0.1,
    # which a container reaches only with host networking — and Docker Desktop (macOS, Windows)
    # gives containers no such network by default.
    if [ "${NODE_RUN_CLUSTER:-0}" = 1 ]; then
      [ "$(uname -s)" = Linux ] ||
        die "this step talks to the cluster, which a container on Docker Desktop cannot reach: install Node >= 20.19 (https://nodejs.org, or \`brew install node\`) and run it again"
      cluster_access=(--network host -e KUBECONFIG=/tmp/.kube/config -v "${KUBECONFIG:-$HOME/.kube/config}:/tmp/.kube/config:ro")
    fi
    for path in "$@" "${JWKS_FILE:-}" "${LOADGEN_JWKS_FILE:-}" "${SECRETS_DIR:-}" "${TRAFFIC_FILE:-}" "${MANIFESTS_DIR:-}"; do
      case "$path" in /*) ;; *) continue ;; esac
      case "$path/" in "$ROOT"/*) continue ;; esac
      if [ -d "$path" ]; then dir=$path; else dir=$(dirname "$path"); fi
      case "$mounted" in *" $dir "*) continue ;; esac
      mounted="$mounted$dir "
      mounts+=(-v "$dir:$dir")
    done
    for name in "${NODE_RUN_ENV[@]}"; do env_args+=(-e "$name"); done
    docker run --rm ${cluster_access[@]+"${cluster_access[@]}"} --user "$(id -u):$(id -g)" -e HOME=/tmp \
      "${env_args[@]}" "${mounts[@]}" -w "$ROOT" \
      node:24-alpine sh -c '[ -d node_modules ] || npm ci --no-audit --no-fund >&2; exec "$@"' sh "$@"
  fi
}
