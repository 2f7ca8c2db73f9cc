#!/usr/bin/env bash
# Runs the comparison harness (bench/peers/cmd/harness); every argument is passed on.
#   bench/run.sh -quick     # smoke run, about a minute
#   bench/run.sh            # full run, about ten minutes
set -euo pipefail
cd "$(dirname "$0")/peers"
exec go run ./cmd/harness "$@"
