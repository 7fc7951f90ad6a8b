#!/bin/sh
# Lookalike over N generated customers (default 1M): the seed is the customers who buy in
# the 90 days after the as-of 2025-10-02 (bench/lookalike_seed.py); `patron analyze` at that
# as-of (its summary.json times the built-in tags stage: the tags overhead of analyze), then
# `patron lookalike --top 10` and bench/lookalike_sklearn.py (scikit-learn's
# LogisticRegression on analyze's profiles.csv, same holdout), in the same run.
# Data: `patron gen --customers N --seed 7` into $LOOKALIKE_BENCH_DIR (default
# /tmp/lookalike_bench), reused when present. Usage: bench/lookalike_bench.sh [N]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
dir=${LOOKALIKE_BENCH_DIR:-/tmp/lookalike_bench}
P=$build/patron
mkdir -p "$dir"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target patron_cli -j2 >/dev/null
[ -f "$dir/events.csv" ] || "$P" gen --customers "${1:-1000000}" --seed 7 --out "$dir" >/dev/null
IN="--orders $dir/orders.csv --customers $dir/customers.csv --events $dir/events.csv --as-of 2025-10-02"
[ -f "$dir/seed.csv" ] || /usr/bin/python3 "$root/bench/lookalike_seed.py" "$dir/orders.csv" \
  "$dir/seed.csv" 2025-10-02 90 customer_id order_time
# shellcheck disable=SC2086
/usr/bin/time -f "analyze: %e s wall, %U s user, %M KB max RSS" \
  "$P" analyze $IN --quiet --out "$dir/analyze"
/usr/bin/python3 -c "
import json, sys
t = json.load(open(sys.argv[1]))['timings_seconds']
total = sum(t.values())
print(f'analyze stages {total:.2f} s, of which tags {t[\"tags\"]:.2f} s: the built-in tags add '
      f'{100 * t[\"tags\"] / (total - t[\"tags\"]):.1f}% to analyze without them')" "$dir/analyze/summary.json"
mkdir -p "$dir/la"
# shellcheck disable=SC2086
/usr/bin/time -f "lookalike: %e s wall, %U s user, %M KB max RSS" \
  "$P" lookalike $IN --seed "$dir/seed.csv" --top 10 --rng-seed 1 --out "$dir/la/la.csv" \
  --eval-out "$dir/la/eval.csv"
/usr/bin/time -f "sklearn process: %e s wall, %U s user, %M KB max RSS" \
  /usr/bin/python3 "$root/bench/lookalike_sklearn.py" "$dir/analyze/profiles.csv" \
  "$dir/seed.csv" "$dir/la/eval.csv"
