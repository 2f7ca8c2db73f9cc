#!/usr/bin/env bash
# Compares examples/resp with a real redis-server, in the same run, both pinned to CPU 0
# (one core each, one at a time), redis-benchmark pinned to CPU 1.
# Usage: examples/resp/compare.sh [requests]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200000}
bin=$(mktemp -d)/eddy-resp
go build -o "$bin" ./examples/resp

wait_ping() {
	for _ in $(seq 200); do
		redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "server on port $1 did not start" >&2
	return 1
}

bench() { # name port
	for p in 1 16; do
		echo "== $1 -P $p"
		taskset -c 1 redis-benchmark -p "$2" -n "$n" -c 50 -t ping,set,get -P "$p" -q | tr '\r' '\n' | grep 'requests per second' | grep -v 'rps='
	done
}

taskset -c 0 redis-server --port 6391 --save '' --appendonly no >/dev/null &
rs=$!
GOMAXPROCS=1 taskset -c 0 "$bin" -addr 127.0.0.1:6392 -loops 1 >/dev/null &
es=$!
trap 'kill $rs $es 2>/dev/null' EXIT
wait_ping 6391
wait_ping 6392
for round in 1 2; do
	echo "## round $round"
	bench redis-server 6391
	bench eddy-resp 6392
done
