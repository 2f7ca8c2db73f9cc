#!/usr/bin/env bash
# Compares examples/memcache with a real memcached and with the same engine on raw gnet
# (examples/memcache/bench/rawgnet), in the same run: every server pinned to CPU 0
# (GOMAXPROCS=1, one loop, memcached -t 1), the load generator (bench/mcload) pinned to
# CPU 1, the order of the servers rotated per round. Prints requests/s and the
# server's CPU time per request (utime+stime of the whole process from /proc/PID/stat
# over the run, divided by the requests), one line per round, server and test.
# Usage: examples/memcache/compare.sh [rounds] [test name substring] [first round]
# With MCBIN=dir it uses the binaries already built there (eddy-memcache, rawgnet,
# mcload) instead of building them, so that a run can be split into short ones, one
# round each, under a benchmark lock:
#   MCBIN=/tmp/mc examples/memcache/compare.sh build   # builds into /tmp/mc and exits
#   for r in 1 2 3; do MCBIN=/tmp/mc flock /tmp/bench.lock examples/memcache/compare.sh 1 "" $r; done
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
only=${2:-}
first=${3:-1}
dir=${MCBIN:-$(mktemp -d)}
if [ -z "${MCBIN:-}" ] || [ "$rounds" = build ]; then
	mkdir -p "$dir"
	go build -o "$dir/eddy-memcache" .
	(cd bench && go build -o "$dir/rawgnet" ./rawgnet && go build -o "$dir/mcload" ./mcload)
	[ "$rounds" = build ] && exit 0
fi
tck=$(getconf CLK_TCK)
user=()
[ "$(id -u)" = 0 ] && user=(-u nobody)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wait_port() {
	for _ in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "server on port $1 did not start" >&2
	return 1
}

taskset -c 0 memcached -l 127.0.0.1 -p 11391 -U 0 -t 1 -m 1024 "${user[@]}" &
mc=$!
GOMAXPROCS=1 taskset -c 0 "$dir/eddy-memcache" -addr 127.0.0.1:11392 -loops 1 -m 1024 >/dev/null &
ed=$!
GOMAXPROCS=1 taskset -c 0 "$dir/rawgnet" -addr 127.0.0.1:11393 -loops 1 >/dev/null &
rg=$!
cleanup() {
	kill $mc $ed $rg 2>/dev/null
	[ -n "${MCBIN:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
wait_port 11391
wait_port 11392
wait_port 11393

# name: mcload arguments
tests=(
	"get:-t get -c 50 -P 1 -n 200000 -size 32"
	"set:-t set -c 50 -P 1 -n 200000 -size 32"
	"get-P16:-t get -c 50 -P 16 -n 1600000 -size 32"
	"set-P16:-t set -c 50 -P 16 -n 1600000 -size 32"
	"set-1MB-16KiB-pieces:-t set -c 4 -P 1 -n 1200 -size 1000000 -piece 16384"
	# 200 gets of a 1 MB value written at once on one connection: 200 MB of replies to
	# drain (flow control and the writable watcher); 5 times.
	"drain-200MB:-t get -c 1 -P 200 -n 1000 -size 1000000"
)

run() { # round name port pid test-args test-name
	local before after out n
	before=$(cpu_ticks "$4")
	# shellcheck disable=SC2086
	out=$(taskset -c 1 "$dir/mcload" -addr "127.0.0.1:$3" $5)
	after=$(cpu_ticks "$4")
	n=$(echo "$out" | awk '{print $1}')
	echo "$out" | awk -v r="$1" -v s="$2" -v t="$6" -v d=$((after - before)) -v tck="$tck" -v n="$n" \
		'{ printf "| %s | %s | %s | %.0f | %.2f |\n", r, s, t, $(NF-1), d / tck * 1e6 / n }'
}

servers=("memcached 11391 $mc" "eddy-memcache 11392 $ed" "rawgnet 11393 $rg")
echo "| round | server | test | requests/s | µs CPU/request |"
echo "|---|---|---|---:|---:|"
for round in $(seq "$first" $((first + rounds - 1))); do
	for t in "${tests[@]}"; do
		[[ "${t%%:*}" == *"$only"* ]] || continue
		for i in 0 1 2; do
			read -r name port pid <<<"${servers[$(((i + round) % 3))]}"
			run "$round" "$name" "$port" "$pid" "${t#*:}" "${t%%:*}"
		done
	done
done
