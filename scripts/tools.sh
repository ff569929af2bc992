#!/usr/bin/env bash
# Installs the pinned kind, kubectl, helm and istioctl (with the Istio release's samples) into
# ./bin (TOOLS_BIN) when missing, checking each download's SHA-256 against versions.env.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "unsupported OS $(uname -s): install kind, kubectl, helm and istioctl yourself (versions.env)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  arm64 | aarch64) arch=arm64 ;;
  *) die "unsupported CPU $(uname -m)" ;;
esac

mkdir -p "$TOOLS_BIN"
bin=$TOOLS_BIN
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# fetch NAME URL PINNED_SHA256 [PUBLISHED_CHECKSUM_URL] -> $tmp/NAME, verified
fetch() {
  local name=$1 url=$2 pinned=$3 published=${4:-} expected actual
  step "downloading $url"
  curl -fsSL --retry 3 -o "$tmp/$name" "$url"
  expected=$pinned
  if [ -z "$expected" ]; then
    [ -n "$published" ] || die "no checksum pinned for $name ($os/$arch) in versions.env"
    warn "no checksum pinned for $name on $os/$arch in versions.env; checking against $published"
    expected=$(curl -fsSL --retry 3 "$published" | cut -d' ' -f1)
  fi
  actual=$(sha256_of "$tmp/$name")
  [ "$actual" = "$expected" ] || die "checksum mismatch for $url: expected $expected, got $actual"
}

# installed TOOL VERSION: true when ./bin holds exactly that version
installed() { [ -x "$bin/$1" ] && [ -f "$bin/.$1-$2" ]; }
mark() {
  rm -f "$bin/.$1-"*
  touch "$bin/.$1-$2"
}
pin() {
  local var="$1_SHA256_${os}_${arch}"
  printf '%s' "${!var:-}"
}

if installed kind "$KIND_VERSION"; then step "kind $KIND_VERSION already in $bin"; else
  url="https://github.com/kubernetes-sigs/kind/releases/download/$KIND_VERSION/kind-$os-$arch"
  fetch kind "$url" "$(pin KIND)" "$url.sha256sum"
  install -m 0755 "$tmp/kind" "$bin/kind" && mark kind "$KIND_VERSION"
fi

if installed kubectl "$KUBECTL_VERSION"; then step "kubectl $KUBECTL_VERSION already in $bin"; else
  url="https://dl.k8s.io/release/$KUBECTL_VERSION/bin/$os/$arch/kubectl"
  fetch kubectl "$url" "$(pin KUBECTL)" "$url.sha256"
  install -m 0755 "$tmp/kubectl" "$bin/kubectl" && mark kubectl "$KUBECTL_VERSION"
fi

if installed helm "$HELM_VERSION"; then step "helm $HELM_VERSION already in $bin"; else
  url="https://get.helm.sh/helm-$HELM_VERSION-$os-$arch.tar.gz"
  fetch helm.tar.gz "$url" "$(pin HELM)" "$url.sha256sum"
  tar -xzf "$tmp/helm.tar.gz" -C "$tmp"
  install -m 0755 "$tmp/$os-$arch/helm" "$bin/helm" && mark helm "$HELM_VERSION"
fi

if installed istioctl "$ISTIO_VERSION"; then step "istioctl $ISTIO_VERSION already in $bin"; else
  case "$os-$arch" in
    linux-*) platform="$os-$arch" ;;
    darwin-amd64) platform=osx ;;
    darwin-arm64) platform=osx-arm64 ;;
  esac
  url="https://github.com/istio/istio/releases/download/$ISTIO_VERSION/istio-$ISTIO_VERSION-$platform.tar.gz"
  fetch istio.tar.gz "$url" "$(pin ISTIO)" "$url.sha256"
  rm -rf "$bin/istio-$ISTIO_VERSION"
  tar -xzf "$tmp/istio.tar.gz" -C "$bin"
  ln -sf "istio-$ISTIO_VERSION/bin/istioctl" "$bin/istioctl" && mark istioctl "$ISTIO_VERSION"
fi

step "kind $KIND_VERSION, kubectl $KUBECTL_VERSION, helm $HELM_VERSION, istioctl $ISTIO_VERSION in $bin"
