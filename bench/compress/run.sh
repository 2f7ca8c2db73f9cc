#!/usr/bin/env bash
# Compression middleware on a 20 KiB JSON body: eddy against fasthttp's
# compression (what fiber's compress middleware calls) and echo's Gzip, in
# the same run. Each server is pinned to core 0, wrk (gzip requested) to
# core 1; server CPU per request = utime+stime from /proc/PID/stat over the
# run / requests completed. Runs are interleaved (eddy, fasthttp, echo, eddy ...).
#   bench/compress/run.sh [seconds per run] [runs]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-5}
runs=${2:-3}
bin=$(mktemp -d)/compressbench
trap 'rm -rf "$(dirname "$bin")"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT
go build -o "$bin" ./cmd/compressbench
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %4s %10s %12s %14s %10s\n' server run req/s requests "CPU/request" "gzip bytes"
for run in $(seq "$runs"); do
	for srv in eddy fasthttp echo; do
		port=$((18090 + RANDOM % 1000))
		taskset -c 0 "$bin" -server "$srv" -addr "127.0.0.1:$port" >/dev/null 2>&1 &
		pid=$!
		for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/json" && break; sleep 0.05; done
		size=$(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/json" | wc -c)
		enc=$(curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/json" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-encoding"{print $2}')
		[ "$enc" = gzip ] || { echo "$srv did not answer gzip ($enc)"; exit 1; }
		taskset -c 1 wrk -t1 -c32 -d1s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/json" >/dev/null
		c0=$(cpu "$pid")
		out=$(taskset -c 1 wrk -t1 -c32 -d"${secs}s" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/json")
		c1=$(cpu "$pid")
		kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
		reqs=$(echo "$out" | awk '/requests in/{print $1}')
		rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
		us=$(awk -v d=$((c1 - c0)) -v t="$tck" -v n="$reqs" 'BEGIN{printf "%.1f us", d*1e6/t/n}')
		printf '%-9s %4s %10s %12s %14s %10s\n' "$srv" "$run" "$rps" "$reqs" "$us" "$size"
	done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
