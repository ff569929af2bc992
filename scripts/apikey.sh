#!/usr/bin/env bash
# `make apikey NAME=<client> SCOPES=<scope>[,…]` (create) and `make apikey-revoke NAME=<client>`
# (revoke): scripts/apikey.ts against the apikeys database. A local stack's with
# APIKEYS_DATABASE_URL=postgres://…/meshkit_apikeys; otherwise the cluster's: apikey.ts checks NAME
# and SCOPES and plans the statement (it may run in a container without kubectl), then psql in the
# PostgreSQL pod reads it on stdin through `kubectl exec` from here.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: scripts/apikey.sh create|revoke"
if [ -n "${APIKEYS_DATABASE_URL:-}" ]; then
  node_run node --import tsx scripts/apikey.ts "$1"
  exit
fi
plan=$(node_run node --import tsx scripts/apikey.ts plan "$1") || exit 1
eval "$plan"
need_cluster
read -ra psql <<<"$APIKEY_PSQL"
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! answer=$(printf '%s\n' "$APIKEY_SQL" |
  kube -n "$APIKEY_NAMESPACE" exec -i "$APIKEY_TARGET" -c "$APIKEY_CONTAINER" -- "${psql[@]}" 2>"$errors"); then
  if [ -n "${APIKEY_CONFLICT_INDEX:-}" ] && grep -qF "$APIKEY_CONFLICT_INDEX" "$errors"; then die "$APIKEY_CONFLICT"; fi
  die "psql in $APIKEY_NAMESPACE/$APIKEY_TARGET failed: $(cat "$errors")"
fi
if [ "$1" = create ]; then
  printf '%s\n' "$APIKEY_DONE" >&2
  printf '%s\n' "$APIKEY_KEY"
elif [ -n "$answer" ]; then
  printf '%s\n' "$APIKEY_DONE"
else
  printf '%s\n' "$APIKEY_NONE"
fi
