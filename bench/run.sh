#!/usr/bin/env bash
# Runs the comparison harness (bench/peers/cmd/harness); every argument is passed on.
#   bench/run.sh -quick     # smoke run, about a minute
#   bench/run.sh            # full run, about ten minutes
#   bench/run.sh -quick -ws # the WebSocket scenarios against the WebSocket peers, a few minutes
#   bench/run.sh -ws        # the same, full (3 rounds, 5 s each, 10,000 idle and broadcast WebSockets)
set -euo pipefail
cd "$(dirname "$0")/peers"
exec go run ./cmd/harness "$@"
