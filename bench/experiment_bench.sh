#!/usr/bin/env bash
# Benchmark of `patron experiment evaluate` (issue 12): N customers (default 1,015,000: ~10M
# order rows from `patron gen --orders-only`, the same data as bench/analyze_bench.sh) all
# assigned to control/treatment, evaluated over a 30-day window; timed beside the pandas +
# scipy/statsmodels equivalent (bench/experiment_scipy.py), whose results.csv must agree with
# Patron's to 1e-6 relative. A benchmark, not a test: it never fails on a MISS.
#
# Usage: bench/experiment_bench.sh [CUSTOMERS=1015000] [WORKDIR=/tmp/patron-bench]
# Environment: REPEAT (Patron runs, best kept; default 3), SKIP_PANDAS=1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1015000}
work=${2:-/tmp/patron-bench}
repeat=${REPEAT:-3}
python=/usr/bin/python3
timer=/usr/bin/time
patron=$root/build/patron
die() { echo "experiment_bench: $*" >&2; exit 1; }
[ -x "$timer" ] || die "$timer missing: install Debian's 'time' package (scripts/install-deps.sh)"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$root/scripts/build.sh" >/dev/null 2>&1 || die "build failed (scripts/build.sh)"
dir=$work/data-$n
mkdir -p "$work"
if ! [ -f "$dir/.complete" ]; then
  rm -rf "$dir"
  "$patron" gen --customers "$n" --seed 1 --out "$dir" --orders-only
  touch "$dir/.complete"
fi
orders=$dir/orders.csv
exp=$work/experiment-$n
mkdir -p "$exp"
awk -v n="$n" 'BEGIN { print "customer_id"; for (i = 1; i <= n; i++) printf "C%07d\n", i }' >"$exp/ids.csv"
cat "$orders" >/dev/null
echo "data: $orders ($(($(wc -l <"$orders") - 1)) rows), $n customers"

# timed LABEL CMD...: wall seconds and peak RSS of one run
timed() {
  local label=$1 t0 t1
  shift
  t0=$EPOCHREALTIME
  "$timer" -f '%M %U %S' -o "$exp/time" "$@" >"$exp/log" 2>&1 || { cat "$exp/log"; die "$label failed"; }
  t1=$EPOCHREALTIME
  read -r kb u s <"$exp/time"
  awk -v l="$label" -v a="$t0" -v b="$t1" -v kb="$kb" -v u="$u" -v s="$s" \
    'BEGIN { printf "  %-34s %7.2f s  cpu %6.2f s  peak %6.0f MB\n", l, b - a, u + s, kb * 1024 / 1e6 }'
}

echo "results (wall, CPU user+sys, peak RSS):"
timed "patron experiment assign" "$patron" experiment assign --ids "$exp/ids.csv" --name bench \
  --out "$exp/assign.csv"
for ((i = 1; i <= repeat; i++)); do
  timed "patron experiment evaluate (run $i)" "$patron" experiment evaluate \
    --assignments "$exp/assign.csv" --orders "$orders" --start 2025-11-01 --quiet --out "$exp/patron"
done
timed "patron evaluate --cuped --cap 99" "$patron" experiment evaluate --assignments "$exp/assign.csv" \
  --orders "$orders" --start 2025-11-01 --cuped --cap-percentile 99 --quiet --out "$exp/patron-cuped"
if [ "${SKIP_PANDAS:-0}" != 1 ]; then
  timed "pandas + scipy (experiment_scipy.py)" "$python" "$root/bench/experiment_scipy.py" \
    --assignments "$exp/assign.csv" --orders "$orders" --start 2025-11-01 --out "$exp/pandas"
  sed 's/^/    pandas: /' "$exp/log"
  "$python" - "$exp/patron/results.csv" "$exp/pandas/results.csv" <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:3])
bad = 0
for x, y in zip(a, b):
    for k in x:
        if k == "experiment":
            continue
        try:
            ok = abs(float(x[k]) - float(y[k])) <= 1e-6 * abs(float(y[k])) + 1e-12
        except ValueError:
            ok = x[k] == y[k]
        bad += not ok
print("  cross-check: %s (%d rows, %d figures differ beyond 1e-6)" % ("AGREE" if not bad and len(a) == len(b) else "DISAGREE", len(a), bad))
PY
fi
