#!/bin/sh
# Windowed expression functions (SPEC 6) over N generated customers: bench/expr_window_bench.c
# (Patron: compile + vectorized filter, behaviour columns from the CSR ranges) and
# bench/expr_window_pandas.py (pandas masks + groupby on the same files), in the same run;
# both print the selected counts, which must agree. Data: `patron gen --customers N --seed 7`
# into $EXPR_BENCH_DIR (default /tmp/expr_window_bench), reused when present.
# Usage: bench/expr_window_bench.sh [N] [REPS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
dir=${EXPR_BENCH_DIR:-/tmp/expr_window_bench}
n=${1:-1000000}
mkdir -p "$dir"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target patron -j2 >/dev/null
[ -f "$dir/events.csv" ] || "$build/patron" gen --customers "$n" --seed 7 --out "$dir" >/dev/null
XGB_LIB=$(find /usr/lib /usr/local/lib -name 'libxgboost.so*' 2>/dev/null | head -1)
# shellcheck disable=SC2046
cc -std=gnu17 -O2 -Wall -Wextra -I"$root/include" -I"$build/generated" \
  "$root/bench/expr_window_bench.c" "$build/libpatron.a" \
  $(pkg-config --cflags --libs gsl jansson sqlite3 libmicrohttpd zlib 2>/dev/null || pkg-config --cflags --libs gsl jansson) \
  ${XGB_LIB:+"$XGB_LIB"} -lpthread -lm -o "$dir/expr_window_bench"
/usr/bin/time -f "patron process: %e s wall, %U s user, %M KB max RSS" \
  "$dir/expr_window_bench" --dir "$dir" --reps "${2:-3}"
/usr/bin/time -f "pandas process: %e s wall, %U s user, %M KB max RSS" \
  /usr/bin/python3 "$root/bench/expr_window_pandas.py" "$dir" "${2:-3}"
