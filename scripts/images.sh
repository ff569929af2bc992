#!/usr/bin/env bash
# Builds one image per catalog service from the Dockerfile (--build-arg SERVICE=<service>) as
# $REGISTRY/<service>:<tag>, each tag hashing only that image's inputs (service_tag in lib.sh; TAG
# names them all). On kind: for this machine's platform, kept in the local Docker, without provenance
# attestations (kind's image import cannot load them from Docker's containerd image store: kind issue
# #3795); an image that already exists under its tag is up to date and is not rebuilt. With
# REGISTRY=<your registry>: multi-arch (linux/amd64, linux/arm64) with buildx, pushed.
# NODE_IMAGE=<image> replaces the Dockerfile's base image (CI's stand-in: scripts/ci/base-image.sh).
#
# Without buildx (distribution packages such as Debian's docker.io, or a client without the plugin):
# a client older than Docker 23 still has BuildKit built in (DOCKER_BUILDKIT=1); a newer one only has
# the classic builder, which does not set $BUILDPLATFORM, so the build platform is passed to it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need docker "install Docker"
if ! on_kind && [ "$REGISTRY" = mesh-kit ]; then
  die "CONTEXT=$CONTEXT needs REGISTRY=<a registry that cluster pulls from>, e.g. REGISTRY=ghcr.io/you"
fi
platforms=${PLATFORMS:-linux/amd64,linux/arm64}
base=()
if [ -n "${NODE_IMAGE:-}" ]; then base=(--build-arg "NODE_IMAGE=$NODE_IMAGE"); fi

# builder: buildx, buildkit (built into a client older than 23) or classic.
builder() {
  local client
  if docker buildx version >/dev/null 2>&1; then
    echo buildx
    return
  fi
  client=$(docker version --format '{{.Client.Version}}' 2>/dev/null || true)
  if [[ $client =~ ^(1[0-9]|2[0-2])\. ]]; then echo buildkit; else echo classic; fi
}
load_catalog
how=
for service in $SERVICES; do
  image="$REGISTRY/$service:$(service_tag "$service")"
  build=(--build-arg "SERVICE=$service" ${base[@]+"${base[@]}"} -t "$image" .)
  if [ "$REGISTRY" != mesh-kit ]; then
    step "building $image for $platforms and pushing it"
    docker buildx build --platform "$platforms" --push "${build[@]}"
    continue
  fi
  if docker image inspect "$image" >/dev/null 2>&1; then
    step "$image already built"
    continue
  fi
  how=${how:-$(builder)}
  case "$how" in
    buildx)
      step "building $image"
      docker buildx build --load --provenance=false --quiet "${build[@]}" >/dev/null
      ;;
    buildkit)
      step "building $image (BuildKit of a Docker client without buildx)"
      DOCKER_BUILDKIT=1 docker build --quiet "${build[@]}" >/dev/null
      ;;
    classic)
      # The classic builder writes no attestations.
      step "building $image (classic builder: no buildx)"
      platform=$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}' 2>/dev/null || true)
      [[ $platform == */* ]] || die "no Docker daemon answers (\`docker version\` names no server platform)"
      docker build --quiet --build-arg "BUILD_PLATFORM=$platform" "${build[@]}" >/dev/null
      ;;
  esac
done
