#!/usr/bin/env bash
# Synthesizes the manifests into dist/manifests/ for $REGISTRY/<service>:$TAG with the gateway's
# public JWKS from .secrets/jwks.json (npm run synth, the cdk8s app). DB_CREDENTIALS_REVISION, a
# SHA-256 over the database credential files, names the database init Job, so regenerated
# credentials re-run it; only the digest leaves .secrets/.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

revision=
if [ -f "$SECRETS_DIR/postgres-admin.json" ]; then
  revision=$(find "$SECRETS_DIR" -maxdepth 1 \( -name postgres-admin.json -o -name '*-db.json' \) -print |
    LC_ALL=C sort | while IFS= read -r file; do cat "$file"; done | sha256_stdin)
fi
step "synthesizing dist/manifests/ for $REGISTRY/<service>:$TAG"
IMAGE_REGISTRY=$REGISTRY IMAGE_TAG=$TAG JWKS_FILE=${JWKS_FILE:-$SECRETS_DIR/jwks.json} DB_CREDENTIALS_REVISION=$revision \
  node_run npm run --silent synth
