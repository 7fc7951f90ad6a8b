#!/usr/bin/env bash
# Benchmark of `patron recommend` (issue 16): 10M order lines, 1M customers, 50,000 items
# (`patron gen --customers 1015000 --items 5000`), rules + similar items + recommendations for
# every customer, timed with /usr/bin/time -v (wall, CPU, peak RSS), beside pandas counting
# the item pairs the straightforward way (bench/recommend_pandas.py: self-join + groupby).
# A benchmark, not a test. Usage: bench/recommend_bench.sh [CUSTOMERS=1015000] [WORKDIR]
# Environment: SKIP_PANDAS=1 (Patron only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
customers=${1:-1015000}
work=${2:-/tmp/patron-recommend-bench}
timer=/usr/bin/time
python=/usr/bin/python3
mkdir -p "$work"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
data="$work/data-$customers"
if [ ! -f "$data/.complete" ]; then
  rm -rf "$data"
  "$root/build/patron" gen --customers "$customers" --items 5000 --seed 1 --out "$data" \
    --no-events --quiet
  touch "$data/.complete"
fi
echo "data: $(($(wc -l <"$data/orders.csv") - 1)) order lines, $customers customers"

report() { # NAME TIMEFILE
  awk -v n="$1" -F': ' '/Elapsed/ {w = $2} /User time/ {u = $2} /System time/ {s = $2}
    /Maximum resident/ {r = $2}
    END {printf "%-8s wall %s, CPU %.1f s (user %.1f, sys %.1f), peak RSS %.0f MB\n", n, w,
         u + s, u, s, r / 1024}' "$2"
}

$timer -v "$root/build/patron" recommend --orders "$data/orders.csv" \
  --customers "$data/customers.csv" --out "$work/out" >"$work/patron.txt" 2>"$work/patron.time"
grep -E "^Recommendations|^Timings" "$work/patron.txt"
report patron "$work/patron.time"
if [ "${SKIP_PANDAS:-0}" != 1 ]; then
  $timer -v "$python" "$root/bench/recommend_pandas.py" "$data/orders.csv" \
    >"$work/pandas.txt" 2>"$work/pandas.time" || echo "pandas failed: $(tail -2 "$work/pandas.time")"
  cat "$work/pandas.txt"
  report pandas "$work/pandas.time"
fi
