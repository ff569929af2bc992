#!/usr/bin/env bash
# CI's stand-in for the Dockerfile's base image (node:24-alpine), which no registry reachable from
# CI can serve: Debian bookworm (debootstrap --variant=minbase) plus Node and npm from the npm
# registry (node-linux-<arch>@NODE_VERSION, npm@NPM_VERSION), trusting this machine's CA bundle
# (npm inside the image build reaches the registry through it, as npm on the machine does).
# Prints the image's name for `make images NODE_IMAGE=<name>`. An image built from the same inputs
# (this script, the CA bundle, the architecture) is reused, so only a machine's first run pays.
# Needs root (debootstrap), Docker, npm and a Debian mirror (DEBIAN_MIRROR).
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_VERSION=24.22.3
NPM_VERSION=11.21.3
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
REPOSITORY=mesh-kit-ci/node

say() { printf '==> base-image: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no Node build on the npm registry for $(uname -m)" ;;
esac
[ -f "$CA_BUNDLE" ] || die "CA_BUNDLE $CA_BUNDLE does not exist (the machine's CA bundle, which npm in the image must trust)"
command -v docker >/dev/null || die "docker not found"
command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"

key=$(cat "$0" "$CA_BUNDLE" <(echo "$arch") | sha256sum | cut -c1-12)
image="$REPOSITORY:$NODE_VERSION-$key"
if docker image inspect "$image" >/dev/null 2>&1; then
  say "$image already built"
  echo "$image"
  exit 0
fi

started=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
say "debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
  {
    tail -n 20 "$work/debootstrap.log" >&2
    die "debootstrap failed (its last lines are above)"
  }
# What a runtime image never reads: package lists and caches, documentation.
rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/{doc,man,info,locale}/*

say "node-linux-$arch@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
npm pack --silent --pack-destination "$work" "node-linux-$arch@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null
mkdir "$work/node" "$work/npm" "$rootfs/usr/local/lib/node_modules"
tar -xzf "$work/node-linux-$arch-$NODE_VERSION.tgz" -C "$work/node" --strip-components=1
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/npm" --strip-components=1
install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
mv "$work/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

mkdir -p "$rootfs/etc/ssl/certs"
cp "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
# node:24-alpine's `node` user (uid and gid 1000), which the Dockerfile names by number.
echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$rootfs/etc/passwd"
echo 'node:x:1000:' >>"$rootfs/etc/group"
install -d -o 1000 -g 1000 "$rootfs/home/node"

say "docker import $image"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$image" >/dev/null
say "built $image in $((SECONDS - started)) s"
echo "$image"
