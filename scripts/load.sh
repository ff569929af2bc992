#!/usr/bin/env bash
# Copies the locally built service images into the kind node (pods use them IfNotPresent).
# Skipped when the images were pushed to a registry (REGISTRY=...) or off kind.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if ! on_kind || [ "$REGISTRY" != mesh-kit ]; then
  step "images were pushed to $REGISTRY: nothing to load into kind"
  exit 0
fi
need kind "run \`make tools\`"
for dockerfile in services/*/Dockerfile; do
  service=$(basename "$(dirname "$dockerfile")")
  step "loading $REGISTRY/$service:$TAG into kind"
  kind load docker-image --name "$CLUSTER_NAME" "$REGISTRY/$service:$TAG"
done
