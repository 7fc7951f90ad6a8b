#!/bin/bash
# CLV benchmark: transactions -> per-customer summary -> BG/NBD and Pareto/NBD fits ->
# predictions, on ~1M customers / ~10M order rows from `patron gen`, against the SciPy
# implementation of the same likelihoods (bench/clv_scipy.py, Debian /usr/bin/python3) on
# the same uncompressed CSV. Usage: bench/clv_bench.sh [BUILD_DIR] [DATA_DIR]
# Prints patron's stage timings (both cores and one thread), SciPy's, and the speed-ups.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/../build}
DATA=${2:-/tmp/patron-clv-bench}
PATRON=$BUILD/patron
OUT=$(mktemp -d /tmp/patron-clv-bench-out-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
[ -x "$PATRON" ] || { echo "build patron first (cmake --build build)"; exit 1; }
if [ ! -s "$DATA/orders.csv" ]; then
  "$PATRON" gen --customers 1015000 --seed 1 --out "$DATA" --orders-only
fi
echo "input: $DATA/orders.csv ($(du -h "$DATA/orders.csv" | cut -f1)), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$DATA/orders.csv" >/dev/null # page cache warm for both sides

timings() { # DIR -> "load summary fit predict" seconds from summary.json
  /usr/bin/python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["timings_seconds"]; print(" ".join("%.3f" % t.get(k, 0) for k in ("load","summary","fit","predict")))' "$1/summary.json"
}
best() { # MODEL THREADS -> best of 2 runs of each stage
  local m=$1 th=$2 i
  for i in 1 2; do
    "$PATRON" clv fit --orders "$DATA/orders.csv" --model "$m" --spend none --range-sims 0 \
      --threads "$th" --quiet --out "$OUT/$m-$th-$i" >/dev/null
    timings "$OUT/$m-$th-$i"
  done | sort -n -k3 | head -1
}
printf '\n%-28s %8s %8s %8s %8s\n' "patron (seconds)" load summary fit predict
for m in bgnbd paretonbd; do
  for th in 2 1; do
    printf '%-28s %8s %8s %8s %8s\n' "$m, $th thread(s)" $(best "$m" "$th")
  done
done
grep -h '"customers"' "$OUT"/bgnbd-2-1/summary.json | sed 's/^ */customers in the cohort: /'
# the full prediction set: 2 horizons, Gamma-Gamma, CLV, 200-draw value ranges
/usr/bin/time -f "%e s wall, %M KB max RSS" "$PATRON" clv fit --orders "$DATA/orders.csv" \
  --model bgnbd --quiet --out "$OUT/full" 2>"$OUT/full.time"
printf 'full run (bgnbd + gammagamma + CLV + value range): %s; stages %s\n' \
  "$(cat "$OUT/full.time")" "$(timings "$OUT/full")"

echo; echo "SciPy (same CSV; summary with pandas, fits with L-BFGS-B):"
/usr/bin/python3 "$HERE/clv_scipy.py" "$DATA/orders.csv" | tee "$OUT/scipy.json"
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
s = json.load(open(f"{out}/scipy.json"))
def stages(d):
    t = json.load(open(f"{out}/{d}/summary.json"))["timings_seconds"]
    return t["load"] + t["summary"], t["fit"], t["predict"]
print("\nspeed-up of patron (2 threads) over SciPy:")
for m in ("bgnbd", "paretonbd"):
    summ, fit, pred = stages(f"{m}-2-1")
    print(f"  {m:10s} summary {s['summary_s'] / summ:6.1f}x   fit {s[m]['fit_s'] / fit:7.1f}x   "
          f"summary+fit {(s['summary_s'] + s[m]['fit_s']) / (summ + fit):6.1f}x")
PY
