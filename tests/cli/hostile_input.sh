# Hostile and awkward input files (issue 8, section 3): nothing lost, nothing corrupted.
# Each block reproduces a defect: the file, the command, and what must hold.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

json() { # FILE EXPR: prints a field of a JSON file
  /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"
}

# 3.1 a stray opening quote on line 2, its partner 998 lines later: every other row is read
{
  echo 'customer_id,order_id,order_time,amount'
  echo 'A,"O1,2024-01-01,10'
  for i in $(seq 2 997); do echo "C$i,O$i,2024-01-$(printf %02d $((i % 28 + 1))),$i.5"; done
  echo 'Z,O998",2024-02-01,5'
  echo 'Y,O999,2024-02-02,6'
} > stray.csv
for t in 1 2; do
  expect_exit 0 -- "$PATRON" analyze --orders stray.csv --out "o$t" --quiet --threads "$t"
  expect_contains "$WORK/err" "stray.csv:2: runaway_quote"
  [ "$(json "o$t/summary.json" "d['inputs']['orders']['rows_used']")" = 998 ] ||
    fail "threads $t: rows used $(json "o$t/summary.json" "d['inputs']['orders']")"
  [ "$(json "o$t/summary.json" "d['inputs']['orders']['lines_read']")" = 1000 ] ||
    fail "threads $t: lines_read not 1000"
  expect_contains "o$t/rejects.csv" "runaway_quote"
done
expect_same o1/profiles.csv o2/profiles.csv
# the limit is an option: raised, the field is one (bad) row again and the warning says how wide
expect_exit 0 -- "$PATRON" analyze --orders stray.csv --out o3 --quiet --max-field-lines 2000
expect_contains "$WORK/err" "a record spans 998 lines"
[ "$(json o3/summary.json "d['inputs']['orders']['lines_in_quotes']")" = 997 ] ||
  fail "lines_in_quotes: $(json o3/summary.json "d['inputs']['orders']")"
expect_exit 2 -- "$PATRON" analyze --orders stray.csv --out o3 --max-field-lines 0
# the text_after_quote variant: a quote closes lines later with text behind it
{
  echo 'customer_id,order_id,order_time,amount'
  echo 'A,"O1,2024-01-01,10'
  for i in $(seq 2 50); do echo "C$i,O$i,2024-01-05,1"; done
  echo 'Z,O51"x,2024-02-01,5'
} > after.csv
expect_exit 0 -- "$PATRON" analyze --orders after.csv --out o4 --quiet
expect_contains "$WORK/err" "after.csv:2: text_after_quote"
[ "$(json o4/summary.json "d['inputs']['orders']['rows_used']")" = 50 ] ||
  fail "text_after_quote: $(json o4/summary.json "d['inputs']['orders']")"

# 3.9 standard input, pipes and gzip files read like the plain file
small="$TEST_DATA/small/orders.csv"
expect_exit 0 -- "$PATRON" analyze --orders "$small" --out plain --quiet
expect_exit 0 -- sh -c "cat '$small' | '$PATRON' analyze --orders - --out stdin --quiet"
expect_same stdin/profiles.csv plain/profiles.csv
gzip -c "$small" > orders.csv.gz
expect_exit 0 -- "$PATRON" analyze --orders orders.csv.gz --out gz --quiet
expect_same gz/profiles.csv plain/profiles.csv
expect_exit 0 -- bash -c "'$PATRON' analyze --orders <(zcat orders.csv.gz) --out fifo --quiet"
expect_same fifo/profiles.csv plain/profiles.csv
expect_exit 1 -- "$PATRON" analyze --orders /dev/zero --out dev --quiet
expect_contains "$WORK/err" "/dev/zero: is a device"
head -c 100 orders.csv.gz > cut.csv.gz
expect_exit 1 -- "$PATRON" analyze --orders cut.csv.gz --out cut --quiet
expect_contains "$WORK/err" "cut.csv.gz: cannot read"

# 3.5 GBK and Latin-1 exports read with --encoding (globally or per file)
/usr/bin/python3 - <<'PY'
rows = [("C1", "O1", "2024-01-03", "10", "女装"), ("C2", "O2", "2024-01-04", "20", "食品"),
        ("C1", "O3", "2024-02-03", "5", "女装")]
with open("gbk.csv", "wb") as f:
    f.write("customer_id,order_id,order_time,amount,category\n".encode())
    for r in rows:
        f.write(",".join(r).encode("gbk") + b"\n")
with open("utf8.csv", "wb") as f:
    f.write("customer_id,order_id,order_time,amount,category\n".encode())
    for r in rows:
        f.write(",".join(r).encode() + b"\n")
with open("members.csv", "wb") as f:
    f.write("customer_id,city\nC1,Zürich\n".encode("latin-1"))
PY
expect_exit 0 -- "$PATRON" analyze --orders utf8.csv --out u8 --quiet
expect_exit 0 -- "$PATRON" analyze --orders gbk.csv --encoding gbk --out gbk --quiet
expect_same gbk/profiles.csv u8/profiles.csv
expect_exit 0 -- "$PATRON" analyze --orders gbk.csv --customers members.csv \
  --encoding orders=gb18030 --encoding customers=latin1 --out mixed --quiet
expect_exit 1 -- "$PATRON" analyze --orders utf8.csv --encoding ascii --out bad --quiet
expect_contains "$WORK/err" "utf8.csv:2: byte 0xe5 is not valid ascii text"
expect_exit 2 -- "$PATRON" analyze --orders utf8.csv --encoding klingon --out bad --quiet
expect_contains "$WORK/err" "unknown encoding 'klingon'"
expect_exit 2 -- "$PATRON" analyze --orders utf8.csv --encoding sales=gbk --out bad --quiet
expect_contains "$WORK/err" "--encoding sales=gbk: expected ENC or FILE=ENC"

# 3.3 money sums past the int64 range are an error, not a negative revenue
{ echo customer_id,order_id,order_time,amount
  for i in $(seq 1 1100); do echo "C$((i % 3)),O$i,2024-01-01,900000000000"; done; } > huge.csv
for t in 1 2; do
  expect_exit 1 -- "$PATRON" analyze --orders huge.csv --out huge --quiet --threads "$t"
  expect_contains "$WORK/err" "huge.csv: the amounts add up to more than 922,337,203,685,477"
done
head -n 1001 huge.csv > large.csv # 9e14: still in range, and exact
expect_exit 0 -- "$PATRON" analyze --orders large.csv --out large --quiet
/usr/bin/python3 - large/segments.csv <<'PY' || fail "segment revenue is not the exact sum"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["segmentation"] == "lifecycle"]
assert sum(float(r["revenue"]) for r in rows) == 900000000000 * 1000, rows
PY

# 3.8 --strict never echoes raw control bytes (escape sequences, line breaks) to the terminal
printf 'customer_id,order_id,order_time,amount\nA\033]0;pwned\007,O1,2024-01-01,x\033[2J\n' > esc.csv
expect_exit 1 -- "$PATRON" analyze --orders esc.csv --out esc --quiet --strict
expect_contains "$WORK/err" "bad_number in column 'amount': 'x\x1b[2J'"
if grep -q "$(printf '\033')" "$WORK/err"; then fail "an ESC byte reached stderr"; fi
printf 'customer_id,order_id,order_time,amount\n"A\nB",O1,2024-01-01,1,2\n' > nl.csv
expect_exit 1 -- "$PATRON" analyze --orders nl.csv --out nl --quiet --strict
expect_contains "$WORK/err" 'nl.csv:2: wrong_field_count: "A\nB",O1'

# 3.6 sentinel dates: rejected with a reason, never an as-of of 0000-01-01 or a minutes-long fit
printf 'customer_id,order_id,order_time,amount\nA,O1,0001-01-01,5\nA,O2,2011-01-01,5\nB,O3,2011-03-01,4\nA,O4,2011-02-01,3\nB,O5,2011-06-01,3\nC,O6,9999-12-31,1\n' > sentinel.csv
expect_exit 0 -- "$PATRON" analyze --orders sentinel.csv --out sent --quiet
expect_contains "$WORK/err" "sentinel.csv:2: date_out_of_range (2 rows"
[ "$(json sent/summary.json "d['as_of']")" = 2011-06-02 ] || fail "as_of $(json sent/summary.json "d['as_of']")"
timeout 20 "$PATRON" clv fit --orders sentinel.csv --calibration-end 2011-03-01 \
  --holdout-end 2011-09-01 --out sentclv >/dev/null 2>&1
[ $? -ne 124 ] || fail "clv fit --holdout-end ran for more than 20 s on a 0001-01-01 order"
expect_exit 2 -- "$PATRON" analyze --orders sentinel.csv --out sent --as-of 9999-12-31
expect_contains "$WORK/err" "--as-of 9999-12-31 lies outside"
printf 'customer_id,order_id,order_time,amount\nA,O1,1901-01-01,5\nA,O2,2011-01-01,5\n' > span.csv
expect_exit 0 -- "$PATRON" analyze --orders span.csv --out span --quiet
expect_contains "$WORK/err" "span.csv: the orders span 1901-01-01 to 2011-01-01 (109 years)"

# 3.9 impossible summaries: more repeat purchases than days, absurd magnitudes
printf 'customer_id,frequency,recency,T\n1,5,2,20\n2,1,1e308,1e308\n3,1,3,4\n4,2,3,9\n5,1,1,1e9\n' > summ.csv
"$PATRON" clv fit --summary summ.csv --out summ --quiet >/dev/null 2>&1 # tiny: may not fit
expect_contains summ/rejects.csv "summ.csv,2,recency,impossible_summary"
expect_contains summ/rejects.csv "summ.csv,3,T,impossible_summary"
expect_contains summ/rejects.csv "summ.csv,6,T,impossible_summary"
expect_exit 1 -- "$PATRON" clv fit --summary summ.csv --out summ2 --strict
expect_contains "$WORK/err" "summ.csv:2: impossible_summary in column 'recency'"
# duplicate header names and CR-only line ends: clear messages
printf 'customer_id,order_id,order_time,amount,Amount\nA,O1,2024-01-01,5,6\n' > dup.csv
expect_exit 1 -- "$PATRON" analyze --orders dup.csv --out dup --quiet
expect_contains "$WORK/err" "dup.csv:1: two columns are named 'amount' (fields 4 and 5)"
printf 'customer_id,order_id,order_time,amount\rA,O1,2024-01-01,5\r' > cr.csv
expect_exit 1 -- "$PATRON" analyze --orders cr.csv --out cr --quiet
expect_contains "$WORK/err" "cr.csv:1: the lines end with a lone CR"

# 3.4 edited churn models are refused before XGBoost sees them
expect_exit 0 -- "$PATRON" gen --customers 1500 --seed 21 --out world
in="--orders world/orders.csv --customers world/customers.csv --events world/events.csv"
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" churn train $in --cutoff 2025-10-01 --threads 1 --rounds 5 --out xm --quiet
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" churn score $in --model xm --out good.csv --quiet
edit() { # NAME PYTHON-STATEMENT (on m, the model; t, its first tree)
  rm -rf "$1" && cp -r xm "$1"
  /usr/bin/python3 - "$1/model.json" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
t = m["learner"]["gradient_booster"]["model"]["trees"][0]
exec(sys.argv[2])
json.dump(m, open(sys.argv[1], "w"))
PY
}
edit split 't["split_indices"][0] = 100000'
edit root 't["left_children"][0] = 0'
edit many 'm["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "999999999"'
edit multi 'm["learner"]["objective"]["name"] = "multi:softprob"; m["learner"]["learner_model_param"]["num_class"] = "3"'
edit regression 'm["learner"]["objective"]["name"] = "reg:squarederror"'
edit features 'm["learner"]["learner_model_param"]["num_feature"] = "3"'
for bad in split:"split index" root:"child index" many:"num_trees" multi:"binary:logistic" \
  regression:"binary:logistic" features:"feature count"; do
  # shellcheck disable=SC2086
  expect_exit 1 -- timeout 20 "$PATRON" churn score $in --model "${bad%%:*}" --out s.csv --quiet
  expect_contains "$WORK/err" "${bad#*:}"
done
# a model file of any size is read under a cap, fast
expect_exit 1 -- timeout 10 "$PATRON" clv predict --model /dev/zero --orders "$small" --out zero
expect_contains "$WORK/err" "/dev/zero is larger than 16777216 bytes"
printf '{"schema":"patron.clv.fit","schema_version":1,"unit_days":1e300,"purchases":{}}' > clvmodel.json
expect_exit 1 -- "$PATRON" clv predict --model clvmodel.json --orders "$small" --out clvm
expect_contains "$WORK/err" "unit_days in (0, 366]"

# 3.5 GBK names: a clear message (not a schema error) without --encoding, a model with it
/usr/bin/python3 - <<'PY'
d = open("world/customers.csv", encoding="utf-8").read()
for a, b in [("Shanghai", "上海"), ("Beijing", "北京"), ("Shenzhen", "深圳"), ("Chengdu", "成都")]:
    d = d.replace(a, b)
open("world/customers_gbk.csv", "wb").write(d.encode("gbk"))
PY
gbk_in="--orders world/orders.csv --customers world/customers_gbk.csv --events world/events.csv"
# shellcheck disable=SC2086
expect_exit 1 -- "$PATRON" churn train $gbk_in --cutoff 2025-10-01 --rounds 5 --out gbkm --quiet
expect_contains "$WORK/err" "is not UTF-8 text: give its file's encoding"
expect_contains "$WORK/err" "customers_gbk.csv:"
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" churn train $gbk_in --encoding customers=gbk --cutoff 2025-10-01 \
  --rounds 5 --out gbkm --quiet
expect_contains gbkm/schema.json "北京"

# 3.5 an input path with a non-UTF-8 byte still fills summary.json's inputs
bad_name=$(printf 'ord\351rs.csv')
cp "$small" "$bad_name"
expect_exit 0 -- "$PATRON" analyze --orders "$bad_name" --out badname --quiet
[ "$(json badname/summary.json "d['inputs']['orders']['rows_read']")" = 14 ] ||
  fail "summary.json inputs: $(json badname/summary.json "d['inputs']")"

finish
