#!/usr/bin/env bash
# Builds one image per catalog service from the Dockerfile (--build-arg SERVICE=<service>) as
# $REGISTRY/<service>:$TAG. On kind: for this machine's platform, kept in the local Docker, without
# provenance attestations (kind's image import cannot load them from Docker's containerd image
# store: kind issue #3795). The default TAG
# hashes the images' inputs, so an image that already exists under it is up to date and is not
# rebuilt. With REGISTRY=<your registry>: multi-arch (linux/amd64, linux/arm64) with buildx, pushed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_tag

need docker "install Docker"
if ! on_kind && [ "$REGISTRY" = mesh-kit ]; then
  die "CONTEXT=$CONTEXT needs REGISTRY=<a registry that cluster pulls from>, e.g. REGISTRY=ghcr.io/you"
fi
platforms=${PLATFORMS:-linux/amd64,linux/arm64}
load_catalog
for service in $SERVICES; do
  image="$REGISTRY/$service:$TAG"
  build=(--build-arg "SERVICE=$service" -t "$image" .)
  if [ "$REGISTRY" != mesh-kit ]; then
    step "building $image for $platforms and pushing it"
    docker buildx build --platform "$platforms" --push "${build[@]}"
  elif docker image inspect "$image" >/dev/null 2>&1; then
    step "$image already built"
  elif docker buildx version >/dev/null 2>&1; then
    step "building $image"
    docker buildx build --load --provenance=false --quiet "${build[@]}" >/dev/null
  else
    # The classic builder writes no attestations.
    step "building $image (classic builder: no buildx)"
    docker build --quiet "${build[@]}" >/dev/null
  fi
done
