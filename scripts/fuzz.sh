#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/fuzz_*.c) with clang in build-fuzz/ and runs each for
# a bounded time on a scratch copy of its committed corpus (the corpus in git never grows).
# Usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
#   SECONDS (default 60): wall-clock budget of the fuzzing itself. Harnesses run in parallel,
#   one per core, each for SECONDS x cores / harnesses seconds (at least 10).
# Fails (exit 1) on any crash, leak, timeout or failed check, printing the reproducer's path;
# replay it with build-fuzz/fuzz/HARNESS FILE, then add it to fuzz/corpus/HARNESS/.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
shift || true
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
  echo "fuzz.sh: $cc not found (scripts/install-deps.sh installs clang and libclang-rt-dev)" >&2
  exit 1
fi

CC=$cc cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPATRON_FUZZ=ON \
  -DPATRON_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null

if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  harnesses=()
  for src in fuzz/fuzz_*.c; do
    harnesses+=("$(basename "$src" .c)")
  done
fi
jobs=$(nproc)
n=${#harnesses[@]}
per=$((budget * jobs / n))
[ "$per" -ge 10 ] || per=10

out=build-fuzz/runs
rm -rf "$out"
mkdir -p "$out"
run_one() {
  local h=$1 dir=$out/$1
  mkdir -p "$dir/artifacts"
  cp -r "fuzz/corpus/$h" "$dir/corpus"
  local dict=()
  [ -f "fuzz/$h.dict" ] && dict=(-dict="fuzz/$h.dict")
  # exec-time scaling: fuzz_load's multi-MiB reproducers must not eat the budget
  # FUZZ_SEED fixes libFuzzer's random seed (CI uses 1, so a CI run can be replayed);
  # unset or 0: a new seed each run, as for exploratory fuzzing
  if build-fuzz/fuzz/"$h" -max_total_time="$per" -rss_limit_mb=2048 -timeout=10 \
    -seed="${FUZZ_SEED:-0}" \
    -entropic_scale_per_exec_time=1 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${dict[@]}" "$dir/corpus" \
    >"$dir/log" 2>&1; then
    echo ok >"$dir/status"
  else
    echo failed >"$dir/status"
  fi
}

echo "fuzz.sh: ${n} harnesses, ${per} s each, ${jobs} at a time"
for h in "${harnesses[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  run_one "$h" &
done
wait

failed=0
for h in "${harnesses[@]}"; do
  dir=$out/$h
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 || true)
  printf '%-12s %-7s %10s execs %7s/s  %s\n' "$h" "$(cat "$dir/status")" "${execs:-?}" \
    "${rate:-?}" "${cov:-}"
  if [ "$(cat "$dir/status")" != ok ]; then
    failed=1
    grep -E 'ERROR|check failed|runtime error|SUMMARY' "$dir/log" | head -5 >&2 || true
    for f in "$dir"/artifacts/*; do
      [ -e "$f" ] && echo "  reproducer: $f  (replay: build-fuzz/fuzz/$h $f)" >&2
    done
    echo "  full log: $dir/log" >&2
  fi
done
exit $failed
