#!/bin/sh
# The audience benchmark: bench/audience_bench.c (Patron's compiled, vectorized filter over a
# 1M-customer profile table) and bench/audience_pandas.py (pandas boolean indexing) on the
# same rows, in the same run. Usage: bench/audience_bench.sh [N] [REPS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
dir=${AUDIENCE_BENCH_DIR:-/tmp/audience_bench}
mkdir -p "$dir"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target patron -j2 >/dev/null
XGB_LIB=$(find /usr/lib /usr/local/lib -name 'libxgboost.so*' 2>/dev/null | head -1)
# shellcheck disable=SC2046
cc -std=gnu17 -O2 -Wall -Wextra -I"$root/include" -I"$build/generated" \
  "$root/bench/audience_bench.c" "$build/libpatron.a" \
  $(pkg-config --cflags --libs gsl jansson) ${XGB_LIB:+"$XGB_LIB"} -lpthread -lm \
  -o "$dir/audience_bench"
"$dir/audience_bench" --n "${1:-1000000}" --reps "${2:-5}" --dir "$dir"
/usr/bin/python3 "$root/bench/audience_pandas.py" "$dir" "${2:-5}"
