#!/bin/sh
# Trigger run benchmark (SPEC section 11): `patron trigger run` with the seeds' seven rules
# (`patron trigger init`) over a generated world, on a fresh store, under /usr/bin/time; the
# phase timings (profile, conditions, decisions) are read back from the store's run detail.
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
rm -f "$dir/store.db" "$dir/store.db-wal" "$dir/store.db-shm"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, CPU %P, peak RSS %M KB" \
  "$build/patron" trigger run --orders "$data/orders.csv" --customers "$data/customers.csv" \
  --events "$data/events.csv" --rules "$dir/rules.json" --db "$dir/store.db" --as-of "$t" \
  --out "$dir/out"
/usr/bin/python3 -c "import sqlite3,sys; print('run detail:', sqlite3.connect(sys.argv[1]).execute('select detail from runs').fetchone()[0])" "$dir/store.db"
uptime
