#!/usr/bin/env bash
# A/B of two eddy builds against gws on the ws32 scenario (1,000 WebSockets, each echoing a
# 32-byte binary message in a closed loop): every server GOMAXPROCS=1 pinned to CPU 0, wsload
# pinned to CPU 1, the three servers one after another in each round (order rotated), each
# round under the benchmark lock. Server CPU per echo = utime+stime over exactly the measured
# load / echoes, as the harness reports it; every round's ratios and the medians are printed.
#   bench/wsab.sh OLD_BIN NEW_BIN [ROUNDS] [SECONDS]     # default 7 rounds of 2 s (~2.5 minutes)
# OLD_BIN and NEW_BIN are bench/server binaries, e.g. from a checkout of each commit:
#   git archive 45596a2 | tar -x -C /tmp/old && (cd /tmp/old && go build -o /tmp/eddy-old ./bench/server)
#   go build -o /tmp/eddy-new ./bench/server && bench/wsab.sh /tmp/eddy-old /tmp/eddy-new
# LOCK (default /tmp/bench.lock) is the flock file held for each round.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
old=$(realpath "$1") new=$(realpath "$2") rounds=${3:-7} secs=${4:-2}
lock=${LOCK:-/tmp/bench.lock}
bin=$root/bench/results/bin
mkdir -p "$bin"
(cd "$root/bench/peers" && nice -n 19 go build -o "$bin/gws" ./cmd/gws && nice -n 19 go build -o "$bin/wsload" ./cmd/wsload)
hz=$(getconf CLK_TCK)

# one NAME BIN EXTRA...: prints "NAME cpu_us_per_echo echoes busy_percent".
one() {
  local name=$1 b=$2 port spid ready res c0 c1 t0 t1 echoes
  shift 2
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || break # free
  done
  GOMAXPROCS=1 taskset -c 0 "$b" -addr 127.0.0.1:$port "$@" >/dev/null 2>&1 &
  spid=$!
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.05
  done
  coproc WL { taskset -c 1 "$bin/wsload" -mode echo -addr 127.0.0.1:$port -n 1000 -size 32 -d "${secs}s" -warmup 1s -wait; }
  read -r ready <&"${WL[0]}"
  case $ready in ready*" failed=0 "*) ;; *) echo "wsab.sh: $name: $ready" >&2; kill $spid; exit 1 ;; esac
  c0=$(awk '{print $14+$15}' /proc/$spid/stat); t0=$(date +%s%N)
  echo go >&"${WL[1]}"
  read -r res <&"${WL[0]}"
  c1=$(awk '{print $14+$15}' /proc/$spid/stat); t1=$(date +%s%N)
  exec {WL[1]}>&-
  wait "$WL_PID" 2>/dev/null || true
  kill $spid; wait $spid 2>/dev/null || true
  echoes=$(sed -E 's/.*echoes=([0-9]+).*/\1/' <<<"$res")
  awk -v n="$name" -v c=$((c1 - c0)) -v e="$echoes" -v hz="$hz" -v dt=$((t1 - t0)) \
    'BEGIN{printf "%s %.3f %d %.0f\n", n, c/hz*1e6/e, e, c/hz*1e9/dt*100}'
}

servers=("old $old -loops 1" "new $new -loops 1" "gws $bin/gws")
out=$(mktemp)
for r in $(seq "$rounds"); do
  k=$(((r - 1) % 3))
  order=("${servers[@]:$k}" "${servers[@]:0:$k}")
  # shellcheck disable=SC2086 # each entry is NAME BIN ARGS, split on purpose
  flock "$lock" bash -c "$(declare -f one); bin=$bin secs=$secs hz=$hz; for s in \"\$@\"; do one \$s; done" _ "${order[@]}" |
    sed "s/^/$r /" | tee -a "$out"
  sleep 2 # let others take the lock between rounds
done
awk '
  { cpu[$1, $2] = $3; if ($1 > last) last = $1 }
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    n = 0
    for (r = 1; r <= last; r++) {
      n++; o[n] = cpu[r, "old"]; w[n] = cpu[r, "new"]; g[n] = cpu[r, "gws"]
      ro[n] = o[n] / g[n]; rn[n] = w[n] / g[n]; rb[n] = w[n] / o[n]
      printf "round %s: old/gws %.2f  new/gws %.2f  new/old %.2f\n", r, ro[n], rn[n], rb[n]
    }
    printf "medians (%d rounds): old %.2f µs, new %.2f µs, gws %.2f µs per echo; per-round ratios: old/gws %.2f, new/gws %.2f, new/old %.2f\n",
      n, median(o, n), median(w, n), median(g, n), median(ro, n), median(rn, n), median(rb, n)
  }' "$out"
rm -f "$out"
