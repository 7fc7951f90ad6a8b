# A bounded load test of `patron serve` (interfaces issue): the real server on a loopback
# ephemeral port, bench/http_load.c (compiled here) sending a fixed number of keep-alive
# requests over 8 connections: customer lookups (every id of the profile), audience counts
# cycling through distinct expressions and repeated ones, and a mix with the order history;
# every answer must be 200, the counts must equal pandas' over profiles.csv, and the
# requests/s and p99 latencies are printed for the log. Speed is not judged here (a shared
# CI machine says little): bench/server_bench.sh measures it on 1M customers.
. "$(dirname "$0")/lib.sh"
command -v cc >/dev/null || { echo "SKIP: no C compiler for bench/http_load.c"; exit 77; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
cc -O2 -o "$WORK/http_load" "$root/bench/http_load.c" || { fail "cannot build http_load"; finish; }
gen="$WORK/gen"
expect_exit 0 -- "$PATRON" gen --customers 3000 --out "$gen"
in=(--orders "$gen/orders.csv" --customers "$gen/customers.csv")
expect_exit 0 -- "$PATRON" analyze "${in[@]}" --out "$WORK/a" --quiet
start_server "${in[@]}" --log "$WORK/log"
tail -n +2 "$WORK/a/profiles.csv" | cut -d, -f1 | sed 's|^|GET /api/v1/customers/|' >"$WORK/lookups"
sed 's|$|/orders?limit=5|' "$WORK/lookups" | head -500 >"$WORK/history"
for f in 1 2 3; do
  for d in 30 60 90 180 365; do
    printf 'POST /api/v1/audiences {"where":"frequency >= %d and recency_days <= %d","limit":0}\n' "$f" "$d"
  done
done >"$WORK/counts"
run() { # NAME REQUESTS TARGETS TOKEN
  local out
  out=$("$WORK/http_load" "$PORT" 8 "$2" "$3" "$4") || fail "$1: $out"
  echo "$1: $out"
}
run lookups 20000 "$WORK/lookups" viewer-token
run history 2000 "$WORK/history" viewer-token
run "audience counts" 3000 "$WORK/counts" analyst-token
# the counts the load saw are the counts pandas gives
while read -r _ _ body; do
  api analyst POST /api/v1/audiences -d "$body"
  printf '%s %s\n' "$(printf '%s' "$body" | sed 's/.*"where":"\([^"]*\)".*/\1/')" \
    "$(sed 's/.*"count":\([0-9]*\).*/\1/' "$WORK/body")"
done <"$WORK/counts" >"$WORK/got"
/usr/bin/python3 - "$WORK/a/profiles.csv" "$WORK/got" <<'PY' || fail "audience counts differ from pandas"
import re, sys
import pandas as pd
p = pd.read_csv(sys.argv[1], dtype={"customer_id": str})
for line in open(sys.argv[2]):
    f, d, got = re.match(r"frequency >= (\d+) and recency_days <= (\d+) (\d+)", line).groups()
    want = int(((p.frequency >= int(f)) & (p.recency_days <= int(d))).sum())
    assert int(got) == want, (line, want)
PY
stop_server
[ "$(grep -c ' 200 ' "$WORK/log")" -ge 25000 ] || fail "the log lacks the requests: $(tail -3 "$WORK/log")"
finish
