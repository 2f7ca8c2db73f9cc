#!/usr/bin/env bash
# Compares examples/resp with a real redis-server in the same run: both pinned to
# CPU 0 (GOMAXPROCS=1, one loop), redis-benchmark pinned to CPU 1, servers
# alternated per round. Prints requests/s and server CPU per request (utime+stime
# of the whole process from /proc/PID/stat over the run / requests), one line per
# round, server, pipeline depth and test.
# Usage: examples/resp/compare.sh [requests] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200000}
rounds=${2:-3}
bin=$(mktemp -d)/eddy-resp
go build -o "$bin" ./examples/resp
tck=$(getconf CLK_TCK)

wait_ping() {
	for _ in $(seq 200); do
		redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "server on port $1 did not start" >&2
	return 1
}

cpu_ticks() { # pid -> utime+stime in clock ticks
	awk '{print $14 + $15}' "/proc/$1/stat"
}

run() { # round name port pid depth test
	local before after rps
	before=$(cpu_ticks "$4")
	rps=$(taskset -c 1 redis-benchmark -p "$3" -n "$n" -c 50 -t "$6" -P "$5" -q |
		tr '\r' '\n' | grep 'requests per second' | grep -v 'rps=' | awk '{print $2}')
	after=$(cpu_ticks "$4")
	awk -v r="$1" -v s="$2" -v p="$5" -v t="$6" -v rps="$rps" -v d=$((after - before)) -v tck="$tck" -v n="$n" \
		'BEGIN { printf "| %s | %s | %s | %s | %.0f | %.2f |\n", r, s, p, t, rps, d / tck * 1e6 / n }'
}

taskset -c 0 redis-server --port 6391 --save '' --appendonly no >/dev/null &
rs=$!
GOMAXPROCS=1 taskset -c 0 "$bin" -addr 127.0.0.1:6392 -loops 1 >/dev/null &
es=$!
trap 'kill $rs $es 2>/dev/null' EXIT
wait_ping 6391
wait_ping 6392
echo "| round | server | -P | test | requests/s | µs CPU/request |"
echo "|---|---|---:|---|---:|---:|"
for round in $(seq "$rounds"); do
	for p in 1 16; do
		for t in set get; do
			if [ $((round % 2)) -eq 1 ]; then
				run "$round" redis-server 6391 $rs $p $t
				run "$round" eddy-resp 6392 $es $p $t
			else
				run "$round" eddy-resp 6392 $es $p $t
				run "$round" redis-server 6391 $rs $p $t
			fi
		done
	done
done
