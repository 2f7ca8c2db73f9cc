#!/usr/bin/env bash
# Counts the user-space instructions each server executes per request, under valgrind's
# callgrind, for a fixed load (bench/peers/cmd/fixedload): a measure that does not move with
# the machine's load, unlike CPU time. Kernel time (the system calls) is not counted: this
# is the framework's own cost. Each server runs twice, with a small and a large load; the
# difference divided by the extra requests removes start-up and shutdown.
#   bench/instructions.sh                  # all servers, all scenarios (a few minutes)
#   bench/instructions.sh eddy rawgnet     # some servers
# Needs valgrind (apt-get install valgrind). Writes bench/results/instructions.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/bench/results
bin=$out/bin
mkdir -p "$bin"
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(eddy fasthttp nethttp rawgnet)

(cd "$root" && go build -o "$bin/eddy" ./bench/server)
(cd "$root/bench/peers" && for s in fasthttp nethttp rawgnet fixedload; do go build -o "$bin/$s" ./cmd/$s; done)

# scenario: name, path, depth, small and large batch counts per connection (8 connections)
scenarios=("plaintext /plaintext 1 1000 5000" "pipelined /plaintext 16 250 1250" "json /json 1 1000 5000")

# count SERVER PATH DEPTH BATCHES: instructions the server executed for the load. A
# random port another process holds (it answers, or the server exits: address in use)
# is retried.
count() {
  local s=$1 path=$2 depth=$3 n=$4 port pid f=$out/callgrind.$s.$$ try
  for try in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && continue # taken: another port
    rm -f "$f"*
    GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file="$f" \
      "$bin/$s" -addr 127.0.0.1:$port >"$out/callgrind.$s.log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do
      (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 $pid 2>/dev/null; then
      break
    fi
    wait $pid 2>/dev/null || true
    [ $try -lt 5 ] || { echo "instructions.sh: $s did not start (see $out/callgrind.$s.log)" >&2; exit 1; }
  done
  "$bin/fixedload" -addr 127.0.0.1:$port -c 8 -n "$n" -depth "$depth" -path "$path" >/dev/null
  callgrind_control -d $pid >/dev/null 2>&1
  sleep 0.5
  kill -9 $pid; wait $pid 2>/dev/null || true
  grep -h '^summary:\|^totals:' "$f".* | head -1 | awk '{print $2}'
  rm -f "$f"*
}

{
  echo "Instructions per request (user space, callgrind), $(date -u '+%Y-%m-%d %H:%M UTC'), source $(cd "$root" && git rev-parse --short HEAD)"
  echo
  echo "| scenario | server | instructions/request | vs fasthttp | vs rawgnet |"
  echo "|---|---|---:|---:|---:|"
} >"$out/instructions.md"
for sc in "${scenarios[@]}"; do
  read -r name path depth n1 n2 <<<"$sc"
  declare -A per=()
  for s in "${servers[@]}"; do
    a=$(count "$s" "$path" "$depth" "$n1")
    b=$(count "$s" "$path" "$depth" "$n2")
    per[$s]=$(( (b - a) / (8 * (n2 - n1) * depth) ))
  done
  for s in "${servers[@]}"; do
    vf=-; vr=-
    [ -n "${per[fasthttp]:-}" ] && vf=$(awk -v a="${per[$s]}" -v b="${per[fasthttp]}" 'BEGIN{printf "%.2fx", a/b}')
    [ -n "${per[rawgnet]:-}" ] && vr=$(awk -v a="${per[$s]}" -v b="${per[rawgnet]}" 'BEGIN{printf "%.2fx", a/b}')
    echo "| $name | $s | ${per[$s]} | $vf | $vr |" >>"$out/instructions.md"
  done
  unset per
done
cat "$out/instructions.md"
