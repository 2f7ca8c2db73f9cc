#!/usr/bin/env bash
# Runs the comparison harness (bench/peers/cmd/harness); every argument is passed on.
#   bench/run.sh -quick     # eddy, fasthttp, rawgnet: 3 interleaved rounds of 1 s per cell, about 4.5 minutes
#   bench/run.sh            # every server, 3 rounds of 5 s per cell, about 26 minutes
#   bench/run.sh -quick -lock /tmp/bench.lock   # on a shared machine: flock per measured cell
#   bench/run.sh -quick -ws # the WebSocket scenarios against the WebSocket peers, a few minutes
#   bench/run.sh -ws        # the same, full (3 rounds, 5 s each, 10,000 idle and broadcast WebSockets)
set -euo pipefail
cd "$(dirname "$0")/peers"
exec go run ./cmd/harness "$@"
