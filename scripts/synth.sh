#!/usr/bin/env bash
# Synthesizes the manifests into dist/manifests/ for $REGISTRY/<service>:<tag> with the gateway's
# public JWKS of each issuer from .secrets/ (jwks.json for users' tokens, loadgen-jwks.json for
# loadgen's; npm run synth, the cdk8s app). DB_CREDENTIALS_REVISION, a
# SHA-256 over the database credential files, names the database init Job, so regenerated
# credentials re-run it; only the digest leaves .secrets/. The synth reads SECRETS_DIR for a digest
# of each credential file, so the pods that read a regenerated Secret roll (credentials-digest.ts).
# Each service's tag is its own (IMAGE_TAGS, from image_tag in lib.sh), so a change to one service
# rolls out that service alone; TAG names one tag for all. TAGS_FROM=cluster keeps the tags the
# cluster runs (make canary, promote, rollback, mirror, chaos: they change traffic, never code, and
# roll nothing to an image the node lacks).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
load_catalog

# deployed_tag SERVICE: the tag of the image SERVICE's Deployment runs — the one named after the
# service, or after `make promote` its v2 — from the list `running` holds.
deployed_tag() {
  { grep "^$1 " <<<"$running" || true; } | head -n 1 | sed 's/.*:\([^:/]*\)$/\1/'
}

tags=()
if [ "${TAGS_FROM:-}" = cluster ] && [ -z "${TAG:-}" ]; then
  need_cluster
  # "<deployment> <image>": sorted, the Deployment named after a service precedes its <service>-v2.
  running=$(kube -n "$NAMESPACE" get deployments -l "$PART_OF_LABEL" \
    -o jsonpath='{range .items[*]}{.metadata.labels.app} {.metadata.name} {.spec.template.spec.containers[0].image}{"\n"}{end}' |
    awk '{ print ($1 == $2 ? "0" : "1") " " $0 }' | LC_ALL=C sort | cut -d' ' -f2-)
  for service in $SERVICES; do
    tag=$(deployed_tag "$service")
    [ -n "$tag" ] || die "$service does not run in namespace $NAMESPACE on $KUBE_CONTEXT: run \`make deploy\` first"
    tags+=("$service=$tag")
  done
  shown="<service>:<the tag the cluster runs>"
elif [ -z "${TAG:-}" ]; then
  for service in $SERVICES; do tags+=("$service=$(image_tag "$service")"); done
  shown="<service>:<its own tag>"
else
  shown="<service>:$TAG"
fi

# kind is reached through `make port-forward`, which serves plain HTTP on localhost:8080 beside
# https://localhost:8443: no redirect there. Elsewhere HTTP answers 301 to HTTPS (HTTPS_REDIRECT
# overrides either way).
if [ -z "${HTTPS_REDIRECT:-}" ]; then
  if on_kind; then HTTPS_REDIRECT=false; else HTTPS_REDIRECT=true; fi
fi
export HTTPS_REDIRECT
revision=$(credentials_revision)
# The synth hashes each credential file there (only the digests reach the manifests).
export SECRETS_DIR
step "synthesizing dist/manifests/ for $REGISTRY/$shown"
IMAGE_REGISTRY=$REGISTRY IMAGE_TAG=${TAG:-} IMAGE_TAGS=$(IFS=,; echo "${tags[*]}") JWKS_FILE=${JWKS_FILE:-$SECRETS_DIR/jwks.json} \
  LOADGEN_JWKS_FILE=${LOADGEN_JWKS_FILE:-$SECRETS_DIR/loadgen-jwks.json} \
  IDENTITY_JWKS_FILE=${IDENTITY_JWKS_FILE:-$SECRETS_DIR/identity-jwks.json} DB_CREDENTIALS_REVISION=$revision \
  node_run npm run --silent synth
