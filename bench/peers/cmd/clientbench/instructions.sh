#!/bin/bash
# instructions.sh: user-space instructions per request of clientbench's clients under
# valgrind's callgrind, an exact count that does not move with the machine's load (unlike
# CPU time). Each client runs twice against bench/server (a 2 s and a 13 s run, 1 s of
# warm-up each); the difference in instructions divided by the difference in requests
# removes start-up and shutdown. Niced, no benchmark lock needed (about 1 minute for two
# clients). The server's instructions are not counted, nor kernel time.
#   bench/peers/cmd/clientbench/instructions.sh                    # eddy-view and rawgnet
#   bench/peers/cmd/clientbench/instructions.sh eddy-view eddy-loop
# Needs valgrind (apt-get install valgrind).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
OUT=${OUT:-/tmp/clientbench}
PORT=${PORT:-18472}
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(eddy-view rawgnet)
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
mkdir -p "$OUT"
(cd "$ROOT" && CGO_ENABLED=0 nice -n 19 go build -o "$OUT/server" ./bench/server)
(cd "$ROOT/bench/peers" && CGO_ENABLED=0 nice -n 19 go build -o "$OUT/clientbench" ./cmd/clientbench)

nice -n 19 "$OUT/server" -addr 127.0.0.1:$PORT -loops 1 >/dev/null 2>&1 &
sp=$!
trap 'kill $sp 2>/dev/null || true' EXIT
sleep 0.5

# run CLIENT DURATION -> "instructions requests"
run() {
	local f=$OUT/callgrind.$1.$2
	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 nice -n 19 valgrind --tool=callgrind --callgrind-out-file="$f" \
		"$OUT/clientbench" -url http://127.0.0.1:$PORT/plaintext -client "$1" -d "$2" -warmup 1s >/dev/null 2>"$f.err"
	echo "$(grep -h '^summary:\|^totals:' "$f" | head -1 | awk '{print $2}') $(awk '/total requests/ {print $3}' "$f.err")"
	rm -f "$f" "$f.err"
}

echo "| client | instructions/request |"
echo "|---|---:|"
for c in "${clients[@]}"; do
	read -r i1 n1 <<<"$(run "$c" 2s)"
	read -r i2 n2 <<<"$(run "$c" 13s)"
	echo "| $c | $(( (i2 - i1) / (n2 - n1) )) |"
done
