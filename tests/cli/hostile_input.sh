# Hostile and awkward input files (issue 8, section 3): nothing lost, nothing corrupted.
# Each block reproduces a defect: the file, the command, and what must hold.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

json() { # FILE EXPR: prints a field of a JSON file
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"
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
python3 - <<'PY'
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

finish
