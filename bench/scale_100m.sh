#!/usr/bin/env bash
# One machine, 100M+ order rows (SPEC 15, docs/SCALE.md): `patron analyze --spec-only`
# reading a time-ordered stream from stdin, nothing written to disk by the generator.
# The stream is the 10M-row anchor file (gen_transactions.py --customers 1000000 --seed 7)
# with every row repeated COPIES times under suffixed customer and order ids, in the same
# place (so the stream stays in time order): COPIES=10 gives 100M rows, 10M customers.
# MODE is --stream (one pass, memory bounded by the customers) or --spec-only (the
# in-memory loader, which spools stdin to a temporary file first).
# Usage: bench/scale_100m.sh [COPIES] [MODE] [PATRON]   (ANCHOR=path of an existing anchor)
set -euo pipefail
copies=${1:-10}
mode=${2:---stream}
patron=${3:-build/patron}
anchor=${ANCHOR:-/work/bench-data/anchor_10m.csv}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/patron-bench
if [ ! -r "$anchor" ]; then
  mkdir -p "$cache"
  anchor=$cache/anchor_10m.csv
  [ -r "$anchor" ] || /usr/bin/python3 "$(dirname "$0")/../../shared/bench/gen_transactions.py" \
    --customers 1000000 --seed 7 --out "$anchor"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
stream() { # also counts the bytes it writes into $out/bytes
  mawk -F, -v k="$copies" -v tally="$out/bytes" 'NR == 1 { print; n = length($0) + 1; next }
    { for (i = 0; i < k; i++) {
        line = $1 "-" i "," $2 "-" i "," $3 "," $4 "," $5 "," $6; print line
        n += length(line) + 1 } }
    END { printf "%.0f\n", n > tally }' "$anchor"
}
echo "$(date -u +%FT%TZ) $copies copies, $mode, load: $(cut -d' ' -f1-3 /proc/loadavg)"
stream | /usr/bin/time -v "$patron" analyze --orders - --map order_time=ts "$mode" --quiet \
  --out "$out/a" 2> "$out/time"
bytes=$(cat "$out/bytes")
wall=$(awk -F': ' '/Elapsed/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$out/time")
grep -E "Elapsed|User time|System time|Maximum resident" "$out/time"
awk -v b="$bytes" -v w="$wall" 'BEGIN { printf "bytes %d  wall %.1f s  %.1f MB/s\n", b, w, b / 1e6 / w }'
grep -E '"rows_read"|"customers"' "$out/a/summary.json"
