#!/usr/bin/env bash
# Benchmark of `patron analyze` and the commands that share its loader and writer (issue 9):
# on time-ordered orders (customers interleaved, as real exports come) and on the same rows
# grouped by customer, in the same run as pandas and DuckDB. Times `cat FILE` (the I/O
# floor), `patron analyze --spec-only` (2 threads, 1 thread, grouped rows), the default
# `analyze` (every model column), `clv fit`, `churn score`, pandas and DuckDB (2 threads);
# prints wall and CPU seconds, MB/s, peak RSS, the goals (PASS/MISS) and cross-checks the
# outputs. A benchmark, not a test: it never fails on a MISS.
#
# Usage: bench/analyze_bench.sh [--orders FILE] [--work DIR] [--customers N]
#   --orders FILE   an existing time-ordered orders file (read only), e.g.
#                   /work/bench-data/anchor_10m.csv; else one is generated in the work dir
#   --work DIR      scratch and cache directory (default /tmp/patron-bench)
#   --customers N   customers of the generated file (default 1000000: ~10M rows)
# Environment: REPEAT (runs of cat and the --spec-only runs, best kept; default 3),
#   SKIP_PANDAS=1, SKIP_DUCKDB=1, SKIP_MODELS=1 (no default analyze, clv fit, churn score),
#   REF_DIR (reference scripts gen_transactions.py, rfm_pandas.py, rfm_duckdb.mjs; default
#   /work/shared/bench; without them the data comes from `patron gen --time-ordered`, pandas
#   runs bench/analyze_pandas.py and DuckDB is skipped).
# Units: MB = 10^6 bytes; seconds are wall-clock around /usr/bin/time (which gives the peak
# RSS and the CPU seconds: user + system).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
orders="" work=/tmp/patron-bench customers=1000000
while [ $# -gt 0 ]; do
  case $1 in
  --orders) orders=$2; shift 2 ;;
  --work) work=$2; shift 2 ;;
  --customers) customers=$2; shift 2 ;;
  *) echo "usage: $0 [--orders FILE] [--work DIR] [--customers N]" >&2; exit 2 ;;
  esac
done
repeat=${REPEAT:-3}
ref=${REF_DIR:-/work/shared/bench}
python=/usr/bin/python3
timer=/usr/bin/time
patron="$root/build/patron"

die() { echo "analyze_bench: $*" >&2; exit 1; }
[ -x "$timer" ] || die "$timer missing: install Debian's 'time' package (scripts/install-deps.sh)"
[ -x "$python" ] || die "$python missing (Debian python3 with python3-pandas)"

machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)," \
    "Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

build() {
  echo "build: scripts/build.sh (Release)"
  "$root/scripts/build.sh" >"$work/build.log" 2>&1 || { tail -20 "$work/build.log"; die "build failed"; }
}

# Sets $file: the given file, else a generated time-ordered one (kept for later runs).
make_data() {
  if [ -n "$orders" ]; then
    [ -r "$orders" ] || die "cannot read $orders"
    file=$orders
    return
  fi
  local dir="$work/data-$customers"
  file="$dir/orders.csv"
  if [ -f "$dir/.complete" ]; then
    echo "data: reusing $file"
    return
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  if [ -f "$ref/gen_transactions.py" ]; then
    "$python" "$ref/gen_transactions.py" --customers "$customers" --seed 7 --out "$file"
  else
    "$patron" gen --customers "$customers" --seed 7 --time-ordered --orders-only --out "$dir"
  fi
  touch "$dir/.complete"
}

# The same rows grouped by customer (stable sort on the first column), cached by file.
make_grouped() {
  grouped="$work/grouped-$(stat -c %s-%Y "$file").csv"
  [ -f "$grouped" ] && return
  echo "data: writing the customer-grouped copy $grouped"
  { head -n 1 "$file" && tail -n +2 "$file" | LC_ALL=C sort -t, -k1,1 -s -S 1G -T "$work"; } \
    >"$grouped.tmp" && mv "$grouped.tmp" "$grouped"
}

# DuckDB through npm @duckdb/node-api, installed once in the work dir; sets $duck_dir.
setup_duckdb() {
  duck_dir=""
  [ "${SKIP_DUCKDB:-0}" = 1 ] && return
  [ -f "$ref/rfm_duckdb.mjs" ] && [ "$has_ts" = 1 ] || { echo "DuckDB: skipped (no $ref/rfm_duckdb.mjs or no ts column)"; return; }
  command -v npm >/dev/null || { echo "DuckDB: skipped (npm missing)"; return; }
  if [ ! -d "$work/duckdb/node_modules/@duckdb/node-api" ]; then
    echo "DuckDB: npm install @duckdb/node-api in $work/duckdb"
    mkdir -p "$work/duckdb"
    (cd "$work/duckdb" && npm install --silent --no-audit --no-fund @duckdb/node-api >/dev/null 2>&1) ||
      { echo "DuckDB: skipped (npm install failed)"; return; }
  fi
  duck_dir="$work/duckdb"
}

# run NAME REPEATS CMD...: best wall time, its CPU seconds and the largest peak RSS.
declare -A secs cpu kb
run() {
  local name=$1 reps=$2
  shift 2
  local best="" best_cpu="" max_kb=0 i t m u k
  for ((i = 1; i <= reps; i++)); do
    local t0=$EPOCHREALTIME t1
    "$timer" -f '%e %M %U %S' -o "$work/time.$name" "$@" >"$work/log.$name" 2>&1 ||
      { cat "$work/log.$name" >&2; die "$name failed: $*"; }
    t1=$EPOCHREALTIME
    read -r _ m u k <"$work/time.$name"
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$t best_cpu=$(awk -v u="$u" -v k="$k" 'BEGIN { printf "%.2f", u + k }')
    fi
    [ "$m" -gt "$max_kb" ] && max_kb=$m
    echo "  $name run $i: $t s (cpu $u user + $k sys), peak RSS $((m / 1024)) MiB"
  done
  secs[$name]=$best cpu[$name]=$best_cpu kb[$name]=$max_kb
}

# Table row for a measured NAME: label, note.
row() {
  local n=$2
  [ -n "${secs[$n]:-}" ] || return 0
  awk -v label="$1" -v s="${secs[$n]}" -v cpu="${cpu[$n]}" -v rss="${kb[$n]}" -v bytes="$bytes" \
    -v ps="${secs[pandas]:-0}" -v ds="${secs[duckdb]:-0}" -v note="$3" 'BEGIN {
      mb = rss * 1024 / 1e6
      up = (ps > 0 && s > 0) ? sprintf("%.1fx", ps / s) : "-"
      ud = (ds > 0 && s > 0) ? sprintf("%.1fx", ds / s) : "-"
      mbps = s > 0 ? sprintf("%.0f", bytes / s / 1e6) : "-"
      printf "%-30s %8.3f %7s %6s %8.0f %9s %9s  %s\n", label, s, cpu, mbps, mb, up, ud, note }'
}

goal() { printf '  %-4s %-46s %s\n' "$([ "$2" = 1 ] && echo PASS || echo MISS)" "$1" "$3"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? 1 : 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0) ? a / b : 0 }'; }

timing() { # summary.json STEP -> that step's seconds (3 decimals; 999 when absent)
  "$python" -c 'import json, sys
print("%.3f" % json.load(open(sys.argv[1])).get("timings_seconds", {}).get(sys.argv[2], 999))' \
    "$1" "$2" 2>/dev/null || echo 999
}

timings() { # summary.json -> one line of phase timings
  "$python" -c 'import json, sys
t = json.load(open(sys.argv[1])).get("timings_seconds", {})
print(", ".join(f"{k} {v:.2f} s" for k, v in t.items()))' "$1" 2>/dev/null || true
}

measure() {
  local map=()
  [ "$has_ts" = 1 ] && map=(--map order_time=ts)
  local spec=("$patron" analyze --orders "$file" "${map[@]}" --quiet --spec-only)
  echo "measuring (best of $repeat for cat and --spec-only, one run of the others)"
  # shellcheck disable=SC2016 # $1 is expanded by the inner sh
  run cat "$repeat" sh -c 'cat "$1" >/dev/null' sh "$file"
  run spec2 "$repeat" "${spec[@]}" --out "$work/out-spec2"
  echo "  timings: $(timings "$work/out-spec2/summary.json")"
  run spec1 1 "${spec[@]}" --out "$work/out-spec1" --threads 1
  run grouped2 "$repeat" "$patron" analyze --orders "$grouped" "${map[@]}" --quiet --spec-only \
    --out "$work/out-grouped2"
  if [ "${SKIP_MODELS:-0}" != 1 ]; then
    run all2 1 "$patron" analyze --orders "$file" "${map[@]}" --quiet --out "$work/out-all2"
    echo "  timings: $(timings "$work/out-all2/summary.json")"
    # --range-sims 0: no simulated clv_low/clv_high (as the issue's figure was taken)
    run clvfit 1 "$patron" clv fit --orders "$file" "${map[@]}" --range-sims 0 --quiet \
      --out "$work/out-clv"
    echo "  timings: $(timings "$work/out-clv/summary.json")"
    if [ ! -f "$work/churn-model/model.json" ]; then
      echo "  training a churn model on the first 3M rows (not timed)"
      head -n 3000001 "$file" >"$work/churn-train.csv"
      local last cutoff
      last=$(tail -n 1 "$work/churn-train.csv" | cut -d, -f3 | cut -c1-10)
      cutoff=$(date -u -d "$last - 120 days" +%F)
      "$patron" churn train --orders "$work/churn-train.csv" "${map[@]}" --cutoff "$cutoff" \
        --horizon 90d --quiet --out "$work/churn-model" >"$work/log.churntrain" 2>&1 ||
        { tail -5 "$work/log.churntrain"; die "churn train failed"; }
    fi
    run churn 1 "$patron" churn score --model "$work/churn-model" --orders "$file" "${map[@]}" \
      --quiet --out "$work/churn-scores.csv"
  fi
  if [ "${SKIP_PANDAS:-0}" != 1 ]; then
    if [ "$has_ts" = 1 ] && [ -f "$ref/rfm_pandas.py" ]; then
      run pandas 1 "$python" "$ref/rfm_pandas.py" "$file" "$work/pandas-rfm.csv"
    else
      run pandas 1 "$python" "$root/bench/analyze_pandas.py" --orders "$file" --out "$work/out-pandas"
    fi
  fi
  if [ -n "$duck_dir" ]; then
    run duckdb 1 sh -c 'cd "$1" && node "$2" "$3" "$4" 2' sh "$duck_dir" "$ref/rfm_duckdb.mjs" \
      "$file" "$work/duckdb-rfm.csv"
  fi
}

report() {
  machine
  echo "file: $file: $rows rows, $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB, time-ordered; grouped copy: $grouped"
  echo
  printf '%-30s %8s %7s %6s %8s %9s %9s\n' "" seconds "cpu s" MB/s "peak MB" "vs pandas" "vs DuckDB"
  row "cat FILE >/dev/null" cat "I/O floor (page cache)"
  row "analyze --spec-only (2 thr)" spec2 "time-ordered rows"
  row "analyze --spec-only --threads 1" spec1 "time-ordered rows"
  row "analyze --spec-only (2 thr)" grouped2 "rows grouped by customer"
  row "analyze, every column (2 thr)" all2 "default: + CLV, repurchase, clusters, tiers"
  row "clv fit (2 thr)" clvfit "load, summary, fit, predictions.csv"
  row "churn score (2 thr)" churn "1 model, every customer"
  row "pandas" pandas "$("$python" -c 'import pandas; print("pandas", pandas.__version__)')"
  row "DuckDB (2 threads)" duckdb "npm @duckdb/node-api"
  echo
  local s=${secs[spec2]} mbps
  mbps=$(awk -v b="$bytes" -v s="$s" 'BEGIN { printf "%.0f", b / s / 1e6 }')
  echo "goals (time-ordered file, same run):"
  goal "analyze --spec-only >= 400 MB/s" "$(ge "$mbps" 400)" "$mbps MB/s (${s} s)"
  if [ -n "${secs[pandas]:-}" ]; then
    goal "analyze --spec-only >= 20x pandas" "$(ge "$(ratio "${secs[pandas]}" "$s")" 20)" "$(ratio "${secs[pandas]}" "$s")x"
    [ -n "${secs[all2]:-}" ] && goal "analyze (every column) >= 10x pandas" \
      "$(ge "$(ratio "${secs[pandas]}" "${secs[all2]}")" 10)" "$(ratio "${secs[pandas]}" "${secs[all2]}")x"
  fi
  if [ -n "${secs[duckdb]:-}" ]; then
    goal "analyze --spec-only >= 4x DuckDB (2 threads)" "$(ge "$(ratio "${secs[duckdb]}" "$s")" 4)" \
      "$(ratio "${secs[duckdb]}" "$s")x"
    local half=$((kb[duckdb] / 2))
    goal "peak RSS <= half of DuckDB's" "$(ge "$half" "${kb[spec2]}")" \
      "$((kb[spec2] / 1024)) MiB vs $((kb[duckdb] / 1024)) MiB"
  fi
  if [ -n "${secs[all2]:-}" ]; then
    local clv write
    clv=$(timing "$work/out-all2/summary.json" clv) write=$(timing "$work/out-all2/summary.json" write)
    goal "CLV columns for every customer < 1 s" "$(ge 1 "$clv")" "$clv s (analyze's clv stage)"
    goal "writing profiles < 0.5 s" "$(ge 0.5 "$write")" "$write s (analyze's write step)"
  fi
  [ -n "${secs[clvfit]:-}" ] && goal "clv fit < 3 s" "$(ge 3 "${secs[clvfit]}")" "${secs[clvfit]} s"
  [ -n "${secs[churn]:-}" ] && goal "churn score < 2 s" "$(ge 2 "${secs[churn]}")" "${secs[churn]} s"
  echo
  echo "cross-checks:"
  check_same "$work/out-spec2" "$work/out-spec1" "2 threads vs 1 thread"
  check_same "$work/out-spec2" "$work/out-grouped2" "time-ordered vs grouped rows"
  [ -f "$work/pandas-rfm.csv" ] && compare_ref pandas "$work/pandas-rfm.csv"
  [ -f "$work/duckdb-rfm.csv" ] && compare_ref DuckDB "$work/duckdb-rfm.csv"
  if [ -d "$work/out-pandas" ]; then
    check_same "$work/out-spec2" "$work/out-pandas" "Patron vs bench/analyze_pandas.py"
  fi
}

check_same() { # DIR1 DIR2 WHAT
  local f ok=1
  for f in profiles.csv segments.csv; do
    cmp -s "$1/$f" "$2/$f" || { ok=0; echo "  DIFFER: $f ($3)"; }
  done
  [ $ok = 1 ] && echo "  SAME: profiles.csv and segments.csv byte-identical ($3)"
  return 0
}

# frequency and monetary must equal the reference's; recency may differ by one day (the
# references count whole days from max(ts) + 1 day, Patron from the day after the last day).
compare_ref() { # NAME CSV
  "$python" - "$work/out-spec2/profiles.csv" "$2" "$1" <<'EOF'
import sys
import pandas as pd
p = pd.read_csv(sys.argv[1], dtype={"customer_id": str}).set_index("customer_id")
r = pd.read_csv(sys.argv[2], dtype={"customer_id": str}).set_index("customer_id")
j = p.join(r, how="outer", rsuffix="_ref")
freq = (j["frequency"] != j["frequency_ref"]).sum()
mon = ((j["monetary"] - j["monetary_ref"]).abs() > 0.005).sum()
rec = (j["recency_days"] - j["recency"]).abs()
print(f"  {sys.argv[3]}: {len(p)} vs {len(r)} customers; frequency differs for {freq}, "
      f"monetary for {mon}; recency equal for {(rec == 0).sum()}, one day apart for "
      f"{(rec == 1).sum()}, more for {(rec > 1).sum()}")
EOF
}

main() {
  mkdir -p "$work"
  machine
  build
  make_data
  has_ts=0
  head -n 1 "$file" | tr ',' '\n' | grep -qx ts && has_ts=1
  make_grouped
  setup_duckdb
  rows=$(($(wc -l <"$file") - 1))
  bytes=$(stat -c %s "$file")
  echo "warming the page cache"
  cat "$file" "$grouped" >/dev/null
  measure
  echo
  report
}

main
