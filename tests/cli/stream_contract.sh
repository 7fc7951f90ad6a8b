# The streaming contract (SPEC 15, docs/SCALE.md): for every split of the orders into 1..7
# parts and every number of reducers 1..4 (rows partitioned by a Java-style hash of the key,
# as Hadoop's HashPartitioner does), `patron map | LC_ALL=C sort | patron reduce` then
# `patron finalize` over the reducers' outputs in any order gives profiles.csv and
# segments.csv byte-identical to `patron analyze --spec-only`, and the same summary.json
# apart from timings; then random splits with other options (bins, median, abc, as-of).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
cd "$WORK" || exit 1
"$PATRON" gen --customers 500 --seed 11 --time-ordered --orders-only --out g >/dev/null ||
  fail "gen"
# tricky rows: bad rows, a refund-only customer (a prospect row), ties in monetary across
# the abc cuts, an order split across parts, ids with a tab and a backslash, quoted fields
cat g/orders.csv > orders.csv
cat >> orders.csv <<'ROWS'
ZZ1,T1,2025-06-01 10:00:00,50.00,1,home,B1,online,,0.00,I1
ZZ2,T2,2025-06-01 10:00:00,50.00,1,home,B1,online,,0.00,I1
ZZ3,T3,2025-06-02 10:00:00,50.00,1,home,B1,online,,0.00,I1
"Z	tab\x",T4,2025-06-03 10:00:00,12.50,1,home,B1,online,,0.00,I1
ZZ4,R9,2025-06-03 10:00:00,-20.00,1,home,B1,online,,0.00,I1
,T5,2025-06-03 10:00:00,1.00,1,home,B1,online,,0.00,I1
ZZ5,T6,not-a-date,1.00,1,home,B1,online,,0.00,I1
ZZ6,T7,2025-06-04 10:00:00,abc,1,home,B1,online,,0.00,I1
ZZ1,T1,2025-05-30 09:00:00,-10.00,1,home,B1,online,,0.00,I1
ROWS
header=$(head -1 orders.csv)
tail -n +2 orders.csv > rows.csv

partition() { # R FILE: writes FILE.p0 .. FILE.p(R-1) by (hash(key) & INT_MAX) % R
  awk -F'\t' -v r="$1" -v f="$2" 'BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
    { h = 0; n = length($1)
      for (i = 1; i <= n; i++) h = (h * 31 + ord[substr($1, i, 1)]) % 4294967296
      if (h >= 2147483648) h = h - 4294967296
      if (h < 0) h = h + 2147483648
      print > (f ".p" (h % r)) }' "$2"
  for ((i = 0; i < $1; i++)); do touch "$2.p$i"; done
}

compare() { # DIR REF
  expect_same "$1/profiles.csv" "$2/profiles.csv"
  expect_same "$1/segments.csv" "$2/segments.csv"
  $PY - "$1/summary.json" "$2/summary.json" <<'PYEOF' || fail "$1/summary.json differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for s in (a, b):
    s.pop("timings_seconds")
if a != b:
    print(json.dumps(a, indent=1)); print(json.dumps(b, indent=1)); sys.exit(1)
PYEOF
}

# run_pipeline PARTS REDUCERS OUT [options for map] -- [options for finalize]
run_pipeline() {
  local parts=$1 reducers=$2 out=$3 d; shift 3
  local mapopts=() finopts=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do mapopts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  finopts=("$@")
  d=$(mktemp -d "$WORK/run.XXXX")
  LAST_RUN=$d
  split -n "l/$parts" -d rows.csv "$d/part."
  (echo "$header"; cat "$d/part.00") > "$d/first" && mv "$d/first" "$d/part.00"
  for p in "$d"/part.*; do
    "$PATRON" map --columns "$header" "${mapopts[@]}" --no-counters < "$p" >> "$d/mapped" ||
      fail "map $p"
  done
  partition "$reducers" "$d/mapped"
  for ((i = 0; i < reducers; i++)); do
    LC_ALL=C sort -t$'\t' -k1,1 "$d/mapped.p$i" | "$PATRON" reduce --no-counters > "$d/red.$i" ||
      fail "reduce $i"
  done
  ls "$d"/red.* | sort -r | xargs cat > "$d/all"   # reducers' outputs in another order
  "$PATRON" finalize --out "$out" --orders-path orders.csv --no-counters "${finopts[@]}" \
    "$d/all" 2> "$d/err" || fail "finalize: $(cat "$d/err")"
}

"$PATRON" analyze --orders orders.csv --spec-only --quiet --out ref > /dev/null 2>&1 ||
  fail "analyze"
for parts in 1 2 3 4 5 6 7; do
  for reducers in 1 2 3 4; do
    run_pipeline "$parts" "$reducers" "out.$parts.$reducers"
    compare "out.$parts.$reducers" ref
  done
done

# every part with its header (no --columns needed), from stdin of each map
d=hdr; mkdir -p $d; split -n l/3 -d rows.csv $d/part.
for p in $d/part.*; do (echo "$header"; cat "$p") | "$PATRON" map --no-counters >> $d/mapped; done
LC_ALL=C sort -t$'\t' -k1,1 $d/mapped | "$PATRON" reduce --no-counters | "$PATRON" finalize \
  --out hdr/out --orders-path orders.csv --no-counters
compare hdr/out ref

# random splits and reducer counts, with other options on both sides
for seed in 1 2 3; do
  opts=$($PY -c "import random; r = random.Random($seed); print(r.choice(['--bins 4', '--bins 7', '--bins 5']), r.choice(['--threshold median', '--threshold mean']), r.choice(['--abc 10,30', '--abc 15,20', '--abc 50,50']))")
  "$PATRON" analyze --orders orders.csv --spec-only --quiet --as-of 2025-09-01 $opts \
    --out "ref.$seed" > /dev/null 2>&1 || fail "analyze $opts"
  parts=$($PY -c "import random; print(random.Random($seed).randint(1, 9))")
  reducers=$($PY -c "import random; print(random.Random($seed + 100).randint(1, 6))")
  $PY - "$seed" <<'PYEOF'
import random, sys
r = random.Random(int(sys.argv[1]))
rows = open("rows.csv").read().splitlines(True)
r.shuffle(rows)                       # any order of rows across and within splits
open("rows.csv.shuffled", "w").writelines(rows)
PYEOF
  cp rows.csv rows.csv.orig && mv rows.csv.shuffled rows.csv
  run_pipeline "$parts" "$reducers" "rnd.$seed" --as-of 2025-09-01 -- --as-of 2025-09-01 $opts
  mv rows.csv.orig rows.csv
  compare "rnd.$seed" "ref.$seed"
done

# the CLV fit on the merged (x, t_x, T) triples equals `patron clv fit` on the orders
run_pipeline 5 3 clv -- --clv-fit clv/model.json
"$PATRON" clv fit --orders orders.csv --spend none --out clvref > /dev/null 2>&1 || fail "clv fit"
$PY - clv/model.json clvref/model.json <<'PYEOF' || fail "CLV fit differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["calibration_end"] == b["calibration_end"] and a["unit_days"] == b["unit_days"], (a, b)
pa, pb = a["purchases"], b["purchases"]
assert pa["model"] == pb["model"] and pa["n_customers"] == pb["n_customers"], (pa, pb)
for k, v in pb["params"].items():
    assert abs(pa["params"][k] - v) <= 1e-8 * abs(v), (k, pa["params"][k], v)
assert abs(pa["log_likelihood"] - pb["log_likelihood"]) <= 1e-8 * abs(pb["log_likelihood"])
PYEOF
# scoring is map-only: each reducer's part scored alone with the broadcast model
as_of=$($PY -c "import json; print(json.load(open('clv/summary.json'))['as_of'])")
for part in "$LAST_RUN"/red.*; do
  "$PATRON" score --model clv/model.json --as-of "$as_of" < "$part" || fail "score $part"
done > scores.tsv
$PY - scores.tsv clvref/predictions.csv <<'PYEOF' || fail "map-only scores differ from clv fit's"
import csv, re, sys
ref = {r["customer_id"]: r for r in csv.DictReader(open(sys.argv[2]))}
esc = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
seen = 0
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    r = ref[re.sub(r"\\(.)", lambda m: esc[m.group(1)], f[0])]   # ids come TSV-escaped
    seen += 1
    assert float(f[1]) == float(r["frequency"]) and float(f[2]) == float(r["recency"]), (f, r)
    assert float(f[3]) == float(r["T"]), (f, r)
    assert abs(float(f[4]) - float(r["p_alive"])) <= 2e-6, (f, r)
    assert abs(float(f[5]) - float(r["exp_purchases_90d"])) <= 2e-6, (f, r)
assert seen == len(ref), (seen, len(ref))
PYEOF

# Hive's TRANSFORM input: tab-separated, \N for NULL (--hive-nulls: counted as empty)
printf 'A\tO1\t2025-01-01 10:00:00\t5\n\\N\tO2\t2025-01-01 10:00:00\t5\nB\t\\N\t2025-01-01 10:00:00\t5\n' |
  "$PATRON" map --columns customer_id,order_id,order_time,amount --delimiter tab --hive-nulls \
    > hive.out 2> hive.err || fail "map --hive-nulls"
expect_contains hive.err "rejected.empty_customer_id,1"
expect_contains hive.err "rejected.empty_order_id,1"
[ "$(grep -vc '^	' hive.out)" = 1 ] || fail "map --hive-nulls kept $(grep -vc '^	' hive.out) rows"

# counters on stderr in Hadoop's form; bad input: unsorted reduce input, a missing column
"$PATRON" map < orders.csv > /dev/null 2> err
expect_contains err "reporter:counter:patron,rows_read,"
expect_contains err "reporter:counter:patron,rejected.bad_date,1"
printf 'b\tO1\t1700000000\t1.0000\na\tO2\t1700000000\t1.0000\n' > unsorted
expect_exit 1 -- "$PATRON" reduce --no-counters < unsorted
expect_contains "$WORK/err" "not sorted by customer_id"
expect_exit 1 -- "$PATRON" map --no-counters --map amount=price < orders.csv
expect_contains "$WORK/err" "'price'"
expect_exit 2 -- "$PATRON" finalize
# a wide export: the counts line of a split carries a pair per column (here 44), more fields
# than any customer line
"$PY" - <<'PYEOF'
import random
random.seed(3)
cols = ["customer_id", "order_id", "order_time", "amount"] + ["x%d" % i for i in range(40)]
with open("wide.csv", "w") as f:
    f.write(",".join(cols) + "\n")
    for i in range(300):
        f.write(",".join(["C%d" % random.randint(1, 40), "O%d" % i,
                          "2024-%02d-%02d" % (random.randint(1, 12), random.randint(1, 28)),
                          "%.2f" % random.uniform(-5, 300)] +
                         ["" if random.random() < 0.5 else "v" for _ in range(40)]) + "\n")
PYEOF
"$PATRON" map --no-counters < wide.csv | LC_ALL=C sort -t$'\t' -k1,1 |
  "$PATRON" reduce --no-counters > wide.red || fail "reduce of a wide export"
"$PATRON" finalize --out wide.fin --no-counters wide.red > /dev/null || fail "finalize of a wide export"
"$PATRON" analyze --orders wide.csv --spec-only --quiet --out wide.ref || fail "analyze wide.csv"
for f in profiles.csv segments.csv; do
  cmp -s wide.fin/$f wide.ref/$f || fail "wide export: $f differs from analyze --spec-only"
done
finish
