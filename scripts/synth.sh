#!/usr/bin/env bash
# Synthesizes the manifests into dist/manifests/ for $REGISTRY/<service>:$TAG with the gateway's
# public JWKS of each issuer from .secrets/ (jwks.json for users' tokens, loadgen-jwks.json for
# loadgen's; npm run synth, the cdk8s app). DB_CREDENTIALS_REVISION, a
# SHA-256 over the database credential files, names the database init Job, so regenerated
# credentials re-run it; only the digest leaves .secrets/. The synth reads SECRETS_DIR for a digest
# of each credential file, so the pods that read a regenerated Secret roll (credentials-digest.ts).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_tag
load_catalog

revision=$(credentials_revision)
# The synth hashes each credential file there (only the digests reach the manifests).
export SECRETS_DIR
step "synthesizing dist/manifests/ for $REGISTRY/<service>:$TAG"
IMAGE_REGISTRY=$REGISTRY IMAGE_TAG=$TAG JWKS_FILE=${JWKS_FILE:-$SECRETS_DIR/jwks.json} \
  LOADGEN_JWKS_FILE=${LOADGEN_JWKS_FILE:-$SECRETS_DIR/loadgen-jwks.json} DB_CREDENTIALS_REVISION=$revision \
  node_run npm run --silent synth
