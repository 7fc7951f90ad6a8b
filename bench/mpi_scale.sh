#!/usr/bin/env bash
# Weak scaling of `mpirun -np N patron analyze --mpi --spec-only` (docs/SCALE.md, "MPI"), or
# with STAGES=LIST the model stages `--stages LIST` instead of --spec-only (e.g.
# STAGES=clv,repurchase,cluster,tiers,loyalty,relationship_stage), with STAGES=default the
# analyze default (every model stage, tags included); ARGS="--k auto" adds options to
# both runs; WITH_FILES=1 reads generated worlds
# with members and events (`patron gen`, one per rank count) instead of the anchor:
# ranks 1, 2, 4 (oversubscribed when the machine has fewer cores) with ROWS_PER_RANK
# million order rows per rank, against the single process on the same file. Prints wall
# and CPU seconds, MB/s, peak RSS and rank 0's phase timings (summary.json), and checks
# that profiles.csv and segments.csv are byte-identical to the single-process run.
#   bench/mpi_scale.sh [ROWS_PER_RANK_MILLIONS=2.5] [WORKDIR=/tmp/patron-mpi-bench]
# Data: the first rows of $ANCHOR (default /work/bench-data/anchor_10m.csv, columns
# customer_id,order_id,ts,amount,...) when it exists, else `patron gen` output (about 9.9
# rows per customer) generated into WORKDIR and reused.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
per_rank=${1:-2.5}
work=${2:-/tmp/patron-mpi-bench}
ranks=${RANKS:-1 2 4}
what=(--spec-only)
[ -n "${STAGES:-}" ] && what=(--stages "$STAGES")
[ "${STAGES:-}" = default ] && what=()
read -r -a extra <<<"${ARGS:-}"
what+=("${extra[@]}")
anchor=${ANCHOR:-/work/bench-data/anchor_10m.csv}
python=/usr/bin/python3
patron="$root/build/patron"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
die() { echo "mpi_scale: $*" >&2; exit 1; }
command -v mpirun >/dev/null || die "mpirun is not installed (scripts/install-deps.sh)"
mkdir -p "$work"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j2 >/dev/null

# source file: the anchor, or generated orders big enough for the largest rank count
max_ranks=$(echo "$ranks" | tr ' ' '\n' | sort -n | tail -1)
rows_max=$(awk -v p="$per_rank" -v n="$max_ranks" 'BEGIN { printf "%d", p * n * 1e6 }')
map=()
if [ -n "${WITH_FILES:-}" ]; then
  src=""
elif [ -f "$anchor" ]; then
  src=$anchor map=(--map order_time=ts)
else
  n=$(awk -v r="$rows_max" 'BEGIN { printf "%d", r / 9.85 + 1 }')
  src="$work/gen-$n/orders.csv"
  [ -f "$work/gen-$n/.complete" ] ||
    { "$patron" gen --customers "$n" --seed 1 --out "$work/gen-$n" --orders-only && touch "$work/gen-$n/.complete"; }
fi

# timed NAME CMD...: wall (around the command), user + sys CPU and peak RSS of /usr/bin/time
timed() {
  local name=$1; shift
  local t0=$EPOCHREALTIME
  /usr/bin/time -f '%M %U %S' -o "$work/time.$name" "$@" >"$work/log.$name" 2>&1 ||
    { cat "$work/log.$name" >&2; die "$name failed"; }
  local t1=$EPOCHREALTIME m u s
  read -r m u s <"$work/time.$name"
  awk -v a="$t0" -v b="$t1" -v u="$u" -v s="$s" -v m="$m" \
    'BEGIN { printf "%.2f %.2f %.0f", b - a, u + s, m / 1024 }'
}

phases() {
  "$python" -c 'import json,sys; t=json.load(open(sys.argv[1]))["timings_seconds"]; print(" ".join(f"{k}={v:.2f}" for k,v in t.items()))' "$1"
}

printf '%-6s %-7s %10s %9s %8s %8s %8s  %s\n' ranks mode rows wall_s cpu_s MB/s rss_MiB "rank 0 phases (s)"
for n in $ranks; do
  rows=$(awk -v p="$per_rank" -v n="$n" 'BEGIN { printf "%d", p * n * 1e6 }')
  file="$work/orders-$rows.csv" files=()
  if [ -z "$src" ]; then # a world of about `rows` order rows, with members and events
    k=$(awk -v r="$rows" 'BEGIN { printf "%d", r / 9.85 + 1 }') g="$work/world-$rows"
    [ -f "$g/.complete" ] ||
      { "$patron" gen --customers "$k" --seed 1 --out "$g" >/dev/null && touch "$g/.complete"; }
    file="$g/orders.csv" files=(--customers "$g/customers.csv" --events "$g/events.csv")
  fi
  [ -f "$file" ] || head -n $((rows + 1)) "$src" >"$file"
  bytes=$(cat "$file" "${files[@]:1:1}" "${files[@]:3:1}" | wc -c)
  cat "$file" "${files[@]:1:1}" "${files[@]:3:1}" >/dev/null # warm the page cache
  read -r w c m <<<"$(timed single-$n "$patron" analyze --orders "$file" "${files[@]}" \
    "${map[@]}" "${what[@]}" --threads 1 --quiet --out "$work/single-$n")"
  printf '%-6s %-7s %10d %9s %8s %8.0f %8s  %s\n' "$n" single "$rows" "$w" "$c" \
    "$(awk -v b="$bytes" -v w="$w" 'BEGIN { print b / w / 1e6 }')" "$m" "$(phases "$work/single-$n/summary.json")"
  read -r w c m <<<"$(timed mpi-$n mpirun --oversubscribe -np "$n" "$patron" analyze --mpi \
    --orders "$file" "${files[@]}" "${map[@]}" "${what[@]}" --threads 1 --quiet \
    --out "$work/mpi-$n")"
  printf '%-6s %-7s %10d %9s %8s %8.0f %8s  %s\n' "$n" mpi "$rows" "$w" "$c" \
    "$(awk -v b="$bytes" -v w="$w" 'BEGIN { print b / w / 1e6 }')" "$m" "$(phases "$work/mpi-$n/summary.json")"
  for f in profiles.csv segments.csv; do
    cmp -s "$work/single-$n/$f" "$work/mpi-$n/$f" || die "$f differs for $n ranks"
  done
done
echo "profiles.csv and segments.csv byte-identical to the single process for every rank count"
