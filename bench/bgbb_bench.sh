#!/bin/bash
# BG/BB benchmark: `patron clv fit --model bgbb` on a simulated per-customer table (1M
# customers by default; BG/BB story, 1..10 opportunities by birth cohort) against pandas +
# SciPy on the same file (bench/bgbb_scipy.py, Debian /usr/bin/python3). The table is
# generated into DATA_DIR (a cache) when missing.
# Usage: bench/bgbb_bench.sh [BUILD_DIR] [DATA_DIR] [CUSTOMERS]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/../build}
DATA=${2:-/tmp/patron-bgbb-bench}
N=${3:-1000000}
PATRON=$BUILD/patron
PY=/usr/bin/python3
OUT=$(mktemp -d /tmp/patron-bgbb-bench-out-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
[ -x "$PATRON" ] || { echo "build patron first (cmake --build build)"; exit 1; }
mkdir -p "$DATA"
TABLE=$DATA/bgbb_$N.csv
[ -s "$TABLE" ] || "$PY" "$HERE/bgbb_scipy.py" gen "$TABLE" "$N" 7
echo "input: $TABLE ($(du -h "$TABLE" | cut -f1)), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$TABLE" >/dev/null # page cache warm for both sides
for th in 2 1; do
  /usr/bin/time -f "patron clv fit --model bgbb --threads $th: %e s wall, %U s user, %S s sys, %M KB max RSS" \
    "$PATRON" clv fit --model bgbb --summary "$TABLE" --threads "$th" --out "$OUT/p$th" |
    grep -E "^model|^summary"
done
/usr/bin/time -f "pandas + scipy: %e s wall, %U s user, %S s sys, %M KB max RSS" \
  "$PY" "$HERE/bgbb_scipy.py" fit "$TABLE"
