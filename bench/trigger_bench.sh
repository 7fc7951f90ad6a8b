#!/bin/sh
# Trigger run benchmark (SPEC section 11): `patron trigger run` with the seeds' seven rules
# (`patron trigger init`) over a generated world, on a fresh store each time, under
# /usr/bin/time: without the dataset cache (the baseline: every CSV parsed), then with
# `--cache` twice: the first run parses and writes the cache (a first daily run, or one after
# an input changed), the second reads it (a daily run on unchanged inputs, docs/CACHE.md).
# The phase timings (profile, conditions, decisions, recommendations; wall and CPU seconds)
# are read back from each store's run detail, and every run's actions.csv must be the same.
# Usage: bench/trigger_bench.sh DATA_DIR [T=2026-01-01T10:00] [WORKDIR=/tmp/patron-trigger-bench]
#   DATA_DIR holds orders.csv, customers.csv, events.csv (`patron gen --customers 1000000`).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
data=$1
t=${2:-2026-01-01T10:00}
dir=${3:-/tmp/patron-trigger-bench}
mkdir -p "$dir"
cmake --build "$build" --target patron_cli -j2 >/dev/null
"$build/patron" trigger init --out "$dir/rules.json" >/dev/null
rm -rf "$dir/cache"
for run in baseline cache_first cache_reused; do
  rm -f "$dir/$run.db" "$dir/$run.db-wal" "$dir/$run.db-shm"
  cache=""
  [ "$run" = baseline ] || cache="--cache $dir/cache"
  echo "== $run"
  # shellcheck disable=SC2086 # $cache is two words or none
  /usr/bin/time -f "wall %e s, user %U s, sys %S s, CPU %P, peak RSS %M KB" \
    "$build/patron" trigger run --orders "$data/orders.csv" --customers "$data/customers.csv" \
    --events "$data/events.csv" --rules "$dir/rules.json" --db "$dir/$run.db" --as-of "$t" \
    --out "$dir/$run" $cache >/dev/null
  /usr/bin/python3 -c "import sqlite3,sys; print('run detail:', sqlite3.connect(sys.argv[1]).execute('select detail from runs').fetchone()[0])" "$dir/$run.db"
  cmp "$dir/baseline/actions.csv" "$dir/$run/actions.csv"
done
uptime
