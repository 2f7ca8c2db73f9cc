#!/usr/bin/env bash
# Counts the user-space instructions each WebSocket server executes per echo of a 32-byte
# binary message, under valgrind's callgrind: a measure that does not move with the machine's
# load, unlike CPU time (the ws32 scenario's figure). Kernel time (the read and the write of
# each echo) is not counted: this is the server's own cost. wsload opens the connections and
# warms up unmeasured; the counters are zeroed when it is ready and dumped when its measured
# load is over, so start-up, handshakes and shutdown are left out.
#   bench/wsinstructions.sh                 # eddy and gws (about 1 minute)
#   bench/wsinstructions.sh eddy gorilla    # some servers (any of eddy gorilla coder gobwas gws nbio)
#   EDDY_BIN=/tmp/eddy-old bench/wsinstructions.sh eddy   # a prebuilt eddy bench/server (an A/B)
# Needs valgrind (apt-get install valgrind). Writes bench/results/wsinstructions.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/bench/results
bin=$out/bin
mkdir -p "$bin"
command -v valgrind >/dev/null || { echo "wsinstructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(eddy gws)
conns=${WS_CONNS:-50}   # connections (wsload -n)
secs=${WS_SECS:-4}      # measured load, seconds (the server runs ~50x slower under callgrind)

(cd "$root/bench/peers" && go build -o "$bin/wsload" ./cmd/wsload)
for s in "${servers[@]}"; do
  if [ "$s" = eddy ]; then
    if [ -n "${EDDY_BIN:-}" ]; then cp "$EDDY_BIN" "$bin/eddy-ws"; else (cd "$root" && go build -o "$bin/eddy-ws" ./bench/server); fi
  else
    (cd "$root/bench/peers" && go build -o "$bin/$s" ./cmd/"$s")
  fi
done

# count SERVER: prints "echoes instructions" for the measured load.
count() {
  local s=$1 b=$1 extra=() port pid f=$out/wscallgrind.$1.$$ try ready res
  [ "$s" = eddy ] && { b=eddy-ws; extra=(-loops 1); }
  for try in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && continue # taken: another port
    rm -f "$f"*
    GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file="$f" \
      "$bin/$b" -addr 127.0.0.1:$port "${extra[@]}" >"$out/wscallgrind.$s.log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do
      (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.2
    done
    kill -0 $pid 2>/dev/null && break
    wait $pid 2>/dev/null || true
    [ $try -lt 5 ] || { echo "wsinstructions.sh: $s did not start (see $out/wscallgrind.$s.log)" >&2; exit 1; }
  done
  coproc WL { "$bin/wsload" -mode echo -addr 127.0.0.1:$port -n "$conns" -size 32 -d "${secs}s" -warmup 2s -wait; }
  read -r ready <&"${WL[0]}"
  case $ready in ready*" failed=0 "*) ;; *) echo "wsinstructions.sh: $s: $ready" >&2; exit 1 ;; esac
  callgrind_control -z $pid >/dev/null
  echo go >&"${WL[1]}"
  read -r res <&"${WL[0]}"
  callgrind_control -d $pid >/dev/null
  sleep 0.5
  exec {WL[1]}>&-
  wait "$WL_PID" 2>/dev/null || true
  kill -9 $pid; wait $pid 2>/dev/null || true
  # The dump after the zeroing is the last file callgrind wrote.
  echo "$(sed -E 's/.*echoes=([0-9]+).*/\1/' <<<"$res") $(grep -h '^summary:\|^totals:' "$(ls -t "$f".* | head -1)" | head -1 | awk '{print $2}')"
  rm -f "$f"*
}

{
  echo "Instructions per 32-byte WebSocket echo (user space, callgrind, $conns connections, ${secs} s), $(date -u '+%Y-%m-%d %H:%M UTC'), source $(cd "$root" && git rev-parse --short HEAD)"
  echo
  echo "| server | echoes | instructions/echo |"
  echo "|---|---:|---:|"
} >"$out/wsinstructions.md"
for s in "${servers[@]}"; do
  read -r echoes instr <<<"$(count "$s")"
  echo "| $s | $echoes | $((instr / echoes)) |" >>"$out/wsinstructions.md"
done
cat "$out/wsinstructions.md"
