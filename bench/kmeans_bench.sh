#!/bin/sh
# Build bench/kmeans_bench.c against the project's Release build (build/ by default, or
# $BUILD_DIR) and run it, then run bench/kmeans_sklearn.py on the same data (Debian's
# /usr/bin/python3 with python3-sklearn). Usage: bench/kmeans_bench.sh [kmeans_bench args]
# (REPS=N: how many times each fit is timed, patron and scikit-learn alternating; default 3).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
dir=${KMEANS_BENCH_DIR:-/tmp/kmeans_bench}
mkdir -p "$dir"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target patron -j2 >/dev/null
# pkg-config prints several flags: word splitting is wanted there.
# shellcheck disable=SC2046
cc -std=gnu17 -O2 -Wall -Wextra -I"$root/include" -I"$build/generated" \
  "$root/bench/kmeans_bench.c" "$build/libpatron.a" \
  $(pkg-config --cflags --libs gsl jansson) -lpthread -lm -o "$dir/kmeans_bench"
echo "== patron"
"$dir/kmeans_bench" --dir "$dir" --reps 1 "$@"
echo "== patron vs scikit-learn $(/usr/bin/python3 -c "import sklearn; print(sklearn.__version__)")"
/usr/bin/python3 "$root/bench/kmeans_sklearn.py" "$dir" "${REPS:-3}"
