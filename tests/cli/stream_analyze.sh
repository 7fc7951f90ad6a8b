# `patron analyze --stream` (SPEC 15, docs/SCALE.md): the one-pass, customer-bounded
# --spec-only run writes the same profiles.csv, segments.csv, rejects.csv, report.txt and
# summary.json (apart from timings) as the in-memory `analyze --spec-only`, from a file or
# from stdin, with the input options (--map, --date-format, --order-per-row, TSV, --as-of)
# and the figure options (bins, median, abc); it refuses what it does not read.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
"$PATRON" gen --customers 400 --seed 5 --time-ordered --orders-only --out g >/dev/null ||
  fail "gen"

same_run() { # NAME then analyze arguments (the input options included)
  local name=$1; shift
  "$PATRON" analyze "$@" --spec-only --quiet --out "$name.mem" >/dev/null 2>&1 ||
    fail "$name: analyze --spec-only"
  "$PATRON" analyze "$@" --stream --quiet --out "$name.str" 2>"$name.err" ||
    fail "$name: analyze --stream: $(cat "$name.err")"
  for f in profiles.csv segments.csv report.txt rejects.csv; do
    [ -e "$name.mem/$f" ] || [ ! -e "$name.str/$f" ] || fail "$name: only --stream wrote $f"
    [ -e "$name.mem/$f" ] && expect_same "$name.str/$f" "$name.mem/$f"
  done
  /usr/bin/python3 - "$name.str/summary.json" "$name.mem/summary.json" <<'PY' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for s in (a, b):
    s.pop("timings_seconds")
sys.exit(a != b)
PY
    fail "$name: summary.json differs"
}

same_run plain --orders g/orders.csv
same_run options --orders g/orders.csv --as-of 2025-07-01 --bins 4 --threshold median --abc 10,30
# bad rows: every reject reason the orders reader has, and a quoted field over two lines
{ cat g/orders.csv; cat <<'ROWS'
,T5,2025-06-03 10:00:00,1.00,1,home,B1,online,,0.00,I1
ZZ5,,2025-06-03 10:00:00,1.00,1,home,B1,online,,0.00,I1
ZZ5,T6,not-a-date,1.00,1,home,B1,online,,0.00,I1
ZZ5,T6,1700-01-01,1.00,1,home,B1,online,,0.00,I1
ZZ6,T7,2025-06-04 10:00:00,abc,1,home,B1,online,,0.00,I1
ZZ7,T8,2025-06-04 10:00:00,1.00,1,home

ZZ8,T9,2025-06-04 10:00:00,7.00,1,"two
lines",B1,online,,0.00,I1
ZZ9,"T10"x,2025-06-04 10:00:00,1.00,1,home,B1,online,,0.00,I1
ROWS
} > bad.csv
same_run rejects --orders bad.csv
# a record longer than the tokenizer's 1 MiB window: rejected, reading resumes after it
{ head -3 g/orders.csv; head -c 1200000 /dev/zero | tr '\0' x; echo ",2,2025-01-01,3"
  tail -n +4 g/orders.csv; } > long.csv
same_run long --orders long.csv
# stdin, TSV, --map, --date-format, --order-per-row
tr ',' '\t' < g/orders.csv | sed '1s/order_time/when/' > g/orders.tsv
"$PATRON" analyze --orders g/orders.tsv --map order_time=when --spec-only --quiet \
  --out tsv.mem >/dev/null 2>&1 || fail "tsv analyze"
"$PATRON" analyze --orders - --delimiter tab --map order_time=when --stream --quiet \
  --out tsv.str < g/orders.tsv 2>tsv.err || fail "stdin --stream: $(cat tsv.err)"
expect_same tsv.str/profiles.csv tsv.mem/profiles.csv
expect_same tsv.str/segments.csv tsv.mem/segments.csv
awk -F, 'NR == 1 { print "customer_id,ts,amount"; next }
  { split($3, d, /[- :]/); print $1 "," d[2] "/" d[3] "/" d[1] "," $4 }' g/orders.csv > us.csv
same_run formats --orders us.csv --map order_time=ts --date-format '%m/%d/%Y' --order-per-row
# the report on stdout names what was read
"$PATRON" analyze --orders g/orders.csv --stream --out rep > stdout.txt || fail "report"
expect_contains stdout.txt "rows read"
expect_contains stdout.txt "champions"
# what it does not read
expect_exit 2 -- "$PATRON" analyze --orders g/orders.csv --customers g/orders.csv --stream --out x
expect_contains "$WORK/err" "--stream reads one plain orders stream"
gzip -k g/orders.csv
expect_exit 2 -- "$PATRON" analyze --orders g/orders.csv.gz --stream --out x
expect_exit 1 -- "$PATRON" analyze --orders bad.csv --stream --strict --out x
expect_contains "$WORK/err" "bad.csv:"
finish
