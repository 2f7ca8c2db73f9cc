#!/bin/bash
# compare.sh: issue 15's client benchmark in one command (about 3 minutes on
# 2 cores, most of it waiting for the lock and for strace).
#
# Builds bench/server and clientbench (niced), then runs ROUNDS rounds, each
# one hold of the machine's benchmark lock (/tmp/bench.lock, about 25 s): the
# server pinned to core 1, every client in turn pinned to core 0 for DUR,
# printing requests/s, client CPU and allocations per request. Then, niced
# and without the lock (an exact count, not a time), strace -c -f counts each
# client's system calls in a short and a long run (after the same 2 s of
# warm-up, which the dials need under strace); the difference divided by
# the difference in requests is the steady state's syscalls per request (the
# dials and the start-up cancel out). strace slows the clients down, so the
# loop batches fewer events per epoll_pwait than at full speed: those counts
# are upper bounds for epoll_pwait.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
OUT=${OUT:-/tmp/clientbench}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-3s}
PORT=${PORT:-18471}
CLIENTS=${CLIENTS:-"rawgnet eddy-loop eddy fasthttp nethttp"}
mkdir -p "$OUT"
(cd "$ROOT" && nice -n 19 go build -o "$OUT/server" ./bench/server)
(cd "$ROOT/bench/peers" && nice -n 19 go build -o "$OUT/clientbench" ./cmd/clientbench)

cat > "$OUT/round.sh" <<ROUND
#!/bin/bash
GOMAXPROCS=1 taskset -c 1 "$OUT/server" -addr 127.0.0.1:$PORT -loops 1 >/dev/null 2>&1 &
sp=\$!
sleep 0.5
for c in $CLIENTS; do
	GOMAXPROCS=1 taskset -c 0 "$OUT/clientbench" -url http://127.0.0.1:$PORT/plaintext -client \$c -d $DUR 2>/dev/null | grep -v '^\[gnet'
done
kill \$sp
wait \$sp 2>/dev/null || true
ROUND
chmod +x "$OUT/round.sh"
for r in $(seq "$ROUNDS"); do # ROUNDS=0: the syscall counts alone
	echo "# round $r"
	flock /tmp/bench.lock "$OUT/round.sh"
	sleep 5 # let the others measure in between
done

echo "# syscalls per request (strace -c -f; steady state: 6 s run minus 2 s run)"
nice -n 19 "$OUT/server" -addr 127.0.0.1:$PORT -loops 1 >/dev/null 2>&1 &
sp=$!
sleep 0.5
count() { # client duration -> "calls requests"
	nice -n 19 strace -f -c -o "$OUT/strace.$1.$2" "$OUT/clientbench" -url http://127.0.0.1:$PORT/plaintext \
		-client "$1" -d "$2" -warmup 2s >/dev/null 2>"$OUT/n.$1.$2"
	echo "$(awk '$NF=="total" {print $4}' "$OUT/strace.$1.$2") $(awk '/total requests/ {print $3}' "$OUT/n.$1.$2")"
}
for c in $CLIENTS; do
	read -r c1 n1 <<<"$(count "$c" 2s)"
	read -r c2 n2 <<<"$(count "$c" 6s)"
	awk -v c="$c" -v dc=$((c2 - c1)) -v dn=$((n2 - n1)) 'BEGIN { printf "%-10s %5.2f syscalls/req over %d requests:", c, dc / dn, dn }'
	join <(awk '$NF!="total" && NF>=5 {print $NF, $4}' "$OUT/strace.$c.2s" | sort) \
		<(awk '$NF!="total" && NF>=5 {print $NF, $4}' "$OUT/strace.$c.6s" | sort) |
		awk -v dn=$((n2 - n1)) '{printf "%s %.2f\n", $1, ($3 - $2) / dn}' | sort -k2 -nr | head -5 | tr '\n' ' '
	echo
done
kill $sp
wait $sp 2>/dev/null || true
