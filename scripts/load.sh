#!/usr/bin/env bash
# Copies the locally built service images into the kind nodes (pods use them IfNotPresent), each
# once: an image the node already has under its content-hashed tag (service_tag in lib.sh) is
# skipped. `docker save` then `kind load image-archive` works with Docker's classic and containerd
# image stores alike (kind issue #3795). Skipped when the images were pushed to a registry (REGISTRY=...) or off kind.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if ! on_kind || [ "$REGISTRY" != mesh-kit ]; then
  step "images were pushed to $REGISTRY: nothing to load into kind"
  exit 0
fi
need kind "run \`make tools\`"
need docker "install Docker"
nodes=$(kind get nodes --name "$CLUSTER_NAME")
[ -n "$nodes" ] || die "kind cluster $CLUSTER_NAME has no nodes: run \`make cluster\`"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

on_every_node() {
  local node
  for node in $nodes; do
    docker exec "$node" crictl inspecti "docker.io/$1" >/dev/null 2>&1 || return 1
  done
}

load_catalog
for service in $SERVICES; do
  image="$REGISTRY/$service:$(service_tag "$service")"
  if on_every_node "$image"; then
    step "$image already in kind"
    continue
  fi
  step "loading $image into kind"
  docker save -o "$tmp/$service.tar" "$image"
  kind load image-archive --name "$CLUSTER_NAME" "$tmp/$service.tar"
  rm -f "$tmp/$service.tar"
done
