#!/usr/bin/env bash
# Generates the database and broker credentials and the JWT signing key once under .secrets/ (gitignored) and
# writes them as Secrets to .secrets/secrets.yaml; scripts/apply.sh puts them into the cluster.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

step "generating what is missing under ${SECRETS_DIR#"$ROOT"/} (existing credentials are kept)"
node_run node --import tsx scripts/secrets.ts "$SECRETS_DIR"
