#!/bin/bash
# compare.sh: issue 15's client benchmark in one command (about 3 minutes on
# 2 cores, most of it waiting for the lock and for strace).
#
# Clients: rawgnet (the floor), eddy-view (StartView), eddy-loop (Start),
# eddy (the blocking Get), fasthttp, nethttp. It ends with the same-run table
# (medians of the rounds, syscalls from strace) and the goal's verdicts:
# eddy-view's client CPU per request at most 0.7x fasthttp's and 0.3x
# net/http's, or within 1.1x of the floor.
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
CLIENTS=${CLIENTS:-"rawgnet eddy-view eddy-loop eddy fasthttp nethttp"}
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
: >"$OUT/rounds.txt"
for r in $(seq "$ROUNDS"); do # ROUNDS=0: the syscall counts alone
	echo "# round $r"
	flock /tmp/bench.lock "$OUT/round.sh" | tee -a "$OUT/rounds.txt"
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
: >"$OUT/syscalls.txt"
for c in $CLIENTS; do
	read -r c1 n1 <<<"$(count "$c" 2s)"
	read -r c2 n2 <<<"$(count "$c" 6s)"
	awk -v c="$c" -v dc=$((c2 - c1)) -v dn=$((n2 - n1)) 'BEGIN { printf "%-10s %5.2f syscalls/req over %d requests:", c, dc / dn, dn }'
	awk -v c="$c" -v dc=$((c2 - c1)) -v dn=$((n2 - n1)) 'BEGIN { printf "%s %.2f\n", c, dc / dn }' >>"$OUT/syscalls.txt"
	join <(awk '$NF!="total" && NF>=5 {print $NF, $4}' "$OUT/strace.$c.2s" | sort) \
		<(awk '$NF!="total" && NF>=5 {print $NF, $4}' "$OUT/strace.$c.6s" | sort) |
		awk -v dn=$((n2 - n1)) '{printf "%s %.2f\n", $1, ($3 - $2) / dn}' | sort -k2 -nr | head -5 | tr '\n' ' '
	echo
done
kill $sp
wait $sp 2>/dev/null || true

# The same-run table: medians of the rounds, and the goal's verdicts.
[ "$ROUNDS" -gt 0 ] || exit 0
echo "# medians of $ROUNDS rounds (client pinned to core 0, server to core 1, c=128)"
awk 'FNR == NR { sc[$1] = $2; next }
function median(s,   a, n, i, j, t) { # insertion sort: POSIX awk has no asort
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return a[int((n + 1) / 2)]
}
NF >= 8 && $4 == "req/s" { order[$1] = order[$1] ? order[$1] : ++k; rps[$1] = rps[$1] " " $3; cpu[$1] = cpu[$1] " " $5; al[$1] = al[$1] " " $8 }
END {
	printf "%-10s %10s %14s %11s %13s\n", "client", "req/s", "us CPU/req", "allocs/req", "syscalls/req"
	for (c in order) name[order[c]] = c
	for (i = 1; i <= k; i++) {
		c = name[i]; m[c] = median(cpu[c])
		printf "%-10s %10.0f %14.2f %11.1f %13s\n", c, median(rps[c]), m[c], median(al[c]), (c in sc) ? sc[c] : "-"
	}
	v = m["eddy-view"]
	if (v == "") exit
	if (m["rawgnet"] != "") printf "eddy-view / floor    = %.2fx (goal <= 1.1x): %s\n", v / m["rawgnet"], v <= 1.1 * m["rawgnet"] ? "met" : "NOT met"
	if (m["fasthttp"] != "") printf "eddy-view / fasthttp = %.2fx (goal <= 0.7x): %s\n", v / m["fasthttp"], v <= 0.7 * m["fasthttp"] ? "met" : "not met"
	if (m["nethttp"] != "") printf "eddy-view / net/http = %.2fx (goal <= 0.3x): %s\n", v / m["nethttp"], v <= 0.3 * m["nethttp"] ? "met" : "not met"
	if (m["fasthttp"] != "" && m["rawgnet"] != "" && 0.7 * m["fasthttp"] < m["rawgnet"]) printf "0.7x fasthttp (%.2f) is below the floor (%.2f): the floor goal applies\n", 0.7 * m["fasthttp"], m["rawgnet"]
}' "$OUT/syscalls.txt" "$OUT/rounds.txt"
