#!/bin/sh
# Store benchmark (SPEC section 10): builds bench/store_bench.c against the Release build and
# times the snapshot write of every profile row (one transaction), reading two snapshots back
# and the movements between them; then the same write in Python's sqlite3 + pandas
# (DataFrame.to_sql of profiles.csv, what a user would otherwise do) and, as the CLI does it,
# `patron movements` end to end under /usr/bin/time.
# Usage: bench/store_bench.sh DATA_DIR [WORKDIR=/tmp/patron-store-bench]   (SKIP_BASELINE=1: no pandas)
#   DATA_DIR holds orders.csv and customers.csv (e.g. from `patron gen --customers 1000000`).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
data=$1
dir=${2:-/tmp/patron-store-bench}
mkdir -p "$dir"
cmake --build "$build" --target patron patron_cli -j2 >/dev/null
# shellcheck disable=SC2046
cc -std=gnu17 -O2 -Wall -Wextra -I"$root/include" -I"$build/generated" \
  "$root/bench/store_bench.c" "$build/libpatron.a" \
  $(pkg-config --cflags --libs gsl jansson sqlite3 zlib) -lxgboost -lpthread -lm \
  -o "$dir/store_bench"
echo "== patron store (library)"
/usr/bin/time -f "wall %e s, peak RSS %M KB" "$dir/store_bench" "$data/orders.csv" \
  "$data/customers.csv" "$dir/bench.db"
echo "== patron movements (CLI, both snapshots read from the store)"
from=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select min(as_of) from snapshots').fetchone()[0])" "$dir/bench.db")
to=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select max(as_of) from snapshots').fetchone()[0])" "$dir/bench.db")
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" "$build/patron" movements --db "$dir/bench.db" \
  --from "$from" --to "$to" --by lifecycle --out "$dir/mv" >/dev/null
[ -n "${SKIP_BASELINE:-}" ] && exit 0 # quick runs: no pandas baseline
echo "== pandas DataFrame.to_sql of the same profiles (sqlite3, one transaction)"
"$build/patron" analyze --orders "$data/orders.csv" --customers "$data/customers.csv" \
  --spec-only --as-of "$to" --out "$dir/prof" --quiet
/usr/bin/python3 - "$dir/prof/profiles.csv" "$dir/pandas.db" <<'PY'
import os, sqlite3, sys, time
import pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str)
if os.path.exists(sys.argv[2]):
    os.remove(sys.argv[2])
c = sqlite3.connect(sys.argv[2])
c.execute("pragma journal_mode = wal")
t = time.perf_counter()
df.to_sql("profiles", c, index=False, chunksize=100000)
c.commit()
print(f"pandas {pd.__version__} to_sql of {len(df)} rows x {df.shape[1]} columns: "
      f"{time.perf_counter() - t:.3f} s")
t = time.perf_counter()
back = pd.read_sql("select * from profiles", c)
print(f"pandas read_sql back: {time.perf_counter() - t:.3f} s")
PY
