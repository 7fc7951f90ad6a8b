#!/bin/sh
# The portrait benchmark (SPEC 17): bench/portrait_bench.c (patron_portrait_build over the
# profile of N customers: portrait, affinity and stats, --by rfm_class and a --where
# audience) and bench/portrait_pandas.py (pandas doing the same group-bys on the same files),
# in the same run. Data: `patron gen --customers N --no-events` (default 1,000,000, ~9.9M
# order rows), generated once into $PORTRAIT_BENCH_DIR (default /tmp/portrait_bench).
# Usage: bench/portrait_bench.sh [N] [REPS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
n=${1:-1000000}
reps=${2:-3}
dir=${PORTRAIT_BENCH_DIR:-/tmp/portrait_bench}/$n
mkdir -p "$dir"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target patron -j2 >/dev/null
if [ ! -f "$dir/orders.csv" ]; then
  "$build/patron" gen --customers "$n" --seed 1 --no-events --out "$dir"
fi
XGB_LIB=$(find /usr/lib /usr/local/lib -name 'libxgboost.so*' 2>/dev/null | head -1)
# shellcheck disable=SC2046
cc -std=gnu17 -O2 -Wall -Wextra -I"$root/include" -I"$build/generated" \
  "$root/bench/portrait_bench.c" "$build/libpatron.a" \
  $(pkg-config --cflags --libs gsl jansson sqlite3 zlib) ${XGB_LIB:+"$XGB_LIB"} \
  -lpthread -lm -o "$dir/portrait_bench"
/usr/bin/time -f "patron bench process: %e s wall, %U s user, %M KB peak" \
  "$dir/portrait_bench" --dir "$dir" --reps "$reps"
/usr/bin/time -f "pandas process: %e s wall, %U s user, %M KB peak" \
  /usr/bin/python3 "$root/bench/portrait_pandas.py" "$dir" "$reps"
