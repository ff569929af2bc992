#!/usr/bin/env bash
# Prints a development JWT the gateway accepts (SUB=<user id>, default a random one).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

node_run node --import tsx scripts/token.ts
