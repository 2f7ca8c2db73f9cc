#!/usr/bin/env bash
# Compares eddy's WebSocket server (bench/server) with its peers (cmd/wspeer): each server
# alone on core 0 (GOMAXPROCS=1, eddy with one loop), the load generator on the other cores.
#   bench/wsbench/run.sh                      # every server, every measurement, ROUNDS=3
#   SERVERS="eddy gws" ROUNDS=1 DURATION=5s bench/wsbench/run.sh
# Prints one line per measurement (see cmd/wsload): echoes per second and server CPU per
# echo (32 B and 16 KiB, CONNS connections), round-trip p50/p99 at 10 messages per second
# on each of CONNS connections, server memory per idle WebSocket (IDLE connections), time
# to deliver one broadcast to IDLE connections.
set -euo pipefail
cd "$(dirname "$0")"
servers=${SERVERS:-"eddy gorilla coder gobwas gws nbio"}
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
conns=${CONNS:-1000}
idle=${IDLE:-10000}
addr=127.0.0.1:${PORT:-9001}
cores=$(nproc)
loadcpus="1-$((cores - 1))"
[ "$cores" -gt 1 ] || loadcpus=0

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/" ./cmd/wspeer ./cmd/wsload
(cd ../.. && go build -o "$bin/eddy" ./bench/server)

start() { # start <server>: runs it pinned to core 0, waits for its port, sets pid
	if [ "$1" = eddy ]; then
		GOMAXPROCS=1 taskset -c 0 "$bin/eddy" -addr "$addr" -loops 1 2>/dev/null &
	else
		GOMAXPROCS=1 taskset -c 0 "$bin/wspeer" -server "$1" -addr "$addr" 2>/dev/null &
	fi
	pid=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && return
		sleep 0.1
	done
	echo "run.sh: $1 did not start" >&2
	exit 1
}

load() { taskset -c "$loadcpus" "$bin/wsload" -addr "$addr" -pid "$pid" "$@"; }

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

# Each measurement gets a fresh server process, so one cannot inherit another's memory.
for round in $(seq "$rounds"); do
	for s in $servers; do
		start "$s"; load -name "$s" -mode echo -conns "$conns" -size 32 -duration "$duration"; stop
		start "$s"; load -name "$s" -mode echo -conns "$conns" -size 16384 -duration "$duration"; stop
		start "$s"; load -name "$s" -mode paced -conns "$conns" -size 32 -rate 10 -duration "$duration"; stop
		start "$s"; load -name "$s" -mode idle -conns "$idle"; stop
		start "$s"; load -name "$s" -mode broadcast -conns "$idle" -rounds 3; stop
	done
done
