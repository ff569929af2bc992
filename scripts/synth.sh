#!/usr/bin/env bash
# Synthesizes the manifests into dist/manifests/ for $REGISTRY/<service>:$TAG with the gateway's
# public JWKS from .secrets/jwks.json (npm run synth, the cdk8s app).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

step "synthesizing dist/manifests/ for $REGISTRY/<service>:$TAG"
IMAGE_REGISTRY=$REGISTRY IMAGE_TAG=$TAG JWKS_FILE=${JWKS_FILE:-$SECRETS_DIR/jwks.json} node_run npm run --silent synth
