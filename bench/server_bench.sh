#!/usr/bin/env bash
# Benchmark of `patron serve` and `patron report` (interfaces issue): on a synthetic world of
# CUSTOMERS members (default 1,000,000; `patron gen`), times `patron report` (its own line
# splits inputs + models from the report's figures and HTML) and `patron analyze` on the
# same inputs, the HTML's size, then starts
# `patron serve` on a loopback ephemeral port and sends a fixed number of keep-alive requests
# (bench/http_load.c, REQUESTS, default 100,000, over CONNECTIONS, default 8) for customer
# lookups and audience counts, printing requests/s, p50/p99 latency and the server's CPU
# time per request (user + system, from /proc/PID/stat); audience counts twice: "cold"
# cycles through 200 distinct expressions (more than the server's compiled-expression cache
# holds, so every request compiles and counts; also one request at a time, the latency a
# dashboard user sees) and "warm" repeats one; then the same lookups
# against a Python ThreadingHTTPServer over pandas (bench/server_baseline.py).
# A benchmark, not a test: it never fails on a MISS. Goals: >= 20,000 requests/s with p99 <
# 5 ms; report < 5 s and < 3 MB for 1M customers.
# Usage: bench/server_bench.sh [CUSTOMERS] [WORKDIR=/tmp/patron-server-bench]
# Environment: REQUESTS, CONNECTIONS, SKIP_REPORT=1 (reuse WORKDIR's analyze output; server only)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
customers=${1:-1000000}
work=${2:-/tmp/patron-server-bench}
requests=${REQUESTS:-100000}
conns=${CONNECTIONS:-8}
patron=${PATRON:-$root/build/patron}
timer=/usr/bin/time
mkdir -p "$work"
cc -O2 -o "$work/http_load" "$root/bench/http_load.c"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -s "$work/data/orders.csv" ]; then
  "$patron" gen --customers "$customers" --out "$work/data" >/dev/null
fi
in=(--orders "$work/data/orders.csv" --customers "$work/data/customers.csv")

secs() { # COMMAND...: wall seconds and peak RSS (MB) of one run
  "$timer" -f "%e %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || { cat "$work/stderr"; exit 1; }
  read -r s kb <"$work/time"
  echo "$s $((kb / 1024))"
}
if [ -z "${SKIP_REPORT:-}" ] || [ ! -s "$work/analyze/profiles.csv" ]; then
  read -r a_s a_mb < <(secs "$patron" analyze "${in[@]}" --out "$work/analyze" --quiet)
  read -r r_s r_mb < <(secs "$patron" report "${in[@]}" --out "$work/report.html")
  size=$(stat -c %s "$work/report.html")
  echo "analyze: ${a_s} s, ${a_mb} MB peak"
  echo "report:  ${r_s} s, ${r_mb} MB peak, HTML $size bytes; $(cat "$work/stdout")"
fi

for r in viewer analyst; do
  printf '%s %s bench\n' "$(printf '%s-bench-token' $r | sha256sum | cut -d' ' -f1)" "$r"
done >"$work/tokens"
"$patron" serve "${in[@]}" --tokens "$work/tokens" --listen 127.0.0.1:0 --log /dev/null \
  2>"$work/serve.err" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
until port=$(sed -n 's/.*listening on .*:\([0-9]*\)\/ .*/\1/p' "$work/serve.err") && [ -n "$port" ]; do
  kill -0 $pid || { cat "$work/serve.err"; exit 1; }
  sleep 0.5
done
cut -d, -f1 "$work/analyze/profiles.csv" | tail -n +2 | shuf -n 10000 --random-source=<(yes) |
  sed 's|^|GET /api/v1/customers/|' >"$work/lookups"
printf 'POST /api/v1/audiences {"where":"frequency >= 3 and recency_days <= 90","limit":0}\n' \
  >"$work/audience_warm"
for f in 1 2 3 4 5 6 7 8 9 10; do
  for d in $(seq 30 30 600); do
    printf 'POST /api/v1/audiences {"where":"frequency >= %d and recency_days <= %d","limit":0}\n' "$f" "$d"
  done
done >"$work/audience_cold"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
load() { # NAME REQUESTS TARGETS TOKEN [CONNECTIONS]: one http_load run, the server's CPU per request
  local before after out
  before=$(cpu_ticks)
  out=$("$timer" -f "%U %S" -o "$work/client.time" "$work/http_load" "$port" "${5:-$conns}" "$2" "$3" "$4") ||
    out="$out (some answers were not 200)"
  after=$(cpu_ticks)
  read -r cu cs <"$work/client.time"
  echo "$1: $out server_cpu_us_per_request $(((after - before) * 1000000 / $(getconf CLK_TCK) / $2)) client_cpu_s $(echo "$cu + $cs" | bc)"
}
load "lookup" "$requests" "$work/lookups" viewer-bench-token
load "audience count (warm)" "$((requests / 10))" "$work/audience_warm" analyst-bench-token
load "audience count (cold)" "$((requests / 100))" "$work/audience_cold" analyst-bench-token
load "audience count (cold, one connection)" 200 "$work/audience_cold" analyst-bench-token 1
kill -TERM $pid
wait $pid || true
trap - EXIT

/usr/bin/python3 "$root/bench/server_baseline.py" "$work/analyze/profiles.csv" "$work/py.port" \
  viewer-bench-token &
py=$!
trap 'kill $py 2>/dev/null || true' EXIT
until [ -s "$work/py.port" ]; do kill -0 $py || exit 1; sleep 0.5; done
echo "pandas + http.server lookup: $("$work/http_load" "$(cat "$work/py.port")" "$conns" \
  "$((requests / 10))" "$work/lookups" viewer-bench-token)"
rm -f "$work/py.port"
