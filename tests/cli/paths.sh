# Paths a new user walks into (issue 8, section 2 items 8-11): tiny data for cluster,
# clv without amounts, implausible dates warned, option conflicts and messages, a full
# stdout, dates with blanks and UTC offsets.
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
# --- item 8: cluster on one or two purchasers: a clear message, not "out of memory"
printf 'customer_id,order_id,order_time,amount\nA,1,2024-01-01,5\n' > "$WORK/one.csv"
expect_exit 1 -- "$PATRON" cluster --orders "$WORK/one.csv" --out "$WORK/c"
expect_contains "$WORK/err" "too few customers to choose k: the scan needs at least 3 customers"
expect_contains "$WORK/err" "the data has 1 customer, 1 different"
printf 'customer_id,order_id,order_time,amount\nA,1,2024-01-01,5\nB,2,2024-01-01,5\n' > "$WORK/two.csv"
expect_exit 1 -- "$PATRON" cluster --orders "$WORK/two.csv" --out "$WORK/c"
expect_contains "$WORK/err" "the data has 2 customers, 1 different"
# analyze clusters what it can (fewer clusters than asked)
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/one.csv" --k auto --out "$WORK/a1" --quiet

# --- item 9: clv fit --spend none reads orders without an amount column
expect_exit 0 -- "$PATRON" gen --customers 200 --seed 9 --orders-only --out "$WORK/w" --quiet
cut -d, -f1-3 "$WORK/w/orders.csv" > "$WORK/noamount.csv"
expect_exit 0 -- "$PATRON" clv fit --orders "$WORK/noamount.csv" --spend none --out "$WORK/clv" --quiet
expect_contains "$WORK/clv/model.json" '"spend": null'
head -2 "$WORK/clv/predictions.csv" | tail -1 | cut -d, -f5 > "$WORK/m"
[ -s "$WORK/m" ] && [ "$(cat "$WORK/m")" != "" ] && fail "monetary_value filled without amounts"
expect_exit 1 -- "$PATRON" clv fit --orders "$WORK/noamount.csv" --out "$WORK/clv2"
expect_contains "$WORK/err" "needs an 'amount' column"

# --- item 10: implausible dates are warned about, naming the as-of
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --as-of 2020-01-01 --out "$WORK/d1" --quiet
expect_contains "$WORK/err" "warning: every order is dated on or after the as-of date 2020-01-01"
expect_exit 0 -- "$PATRON" gen --customers 300 --end 2020-12-31 --orders-only --out "$WORK/old" --quiet
tail -1 "$WORK/old/orders.csv" | sed 's/^[^,]*,[^,]*,[^,]*/Z,z1,2023-01-01 10:00:00/' \
  >> "$WORK/old/orders.csv"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/old/orders.csv" --out "$WORK/d2" --quiet
expect_contains "$WORK/err" "orders fall in the year before the latest order (2023-01-01): a stray date?"
expect_contains "$WORK/err" "The as-of date is 2023-01-02"
cp orders.csv "$WORK/future.csv"
echo 'Z,z1,2099-01-01,5,food' >> "$WORK/future.csv"
expect_exit 0 -- "$PATRON" repurchase --orders "$WORK/future.csv" --out "$WORK/d3" --quiet
expect_contains "$WORK/err" "warning: the latest order is dated 2099-01-01, in the future; give --as-of"
expect_exit 0 -- "$PATRON" clv fit --orders "$WORK/w/orders.csv" --calibration-end 2026-06-30 \
  --out "$WORK/d4" --quiet
expect_contains "$WORK/err" "the calibration end 2026-06-30 is after the last order (2025-12-3"

# --- item 11
expect_exit 2 -- "$PATRON" churn train --orders orders.csv --cutoff 2011-9-10 --out "$WORK/m"
expect_contains "$WORK/err" "--cutoff expects a date YYYY-MM-DD, got '2011-9-10'"
expect_exit 2 -- "$PATRON" churn train --orders orders.csv --cutoff 2024-01-01 \
  --cutoffs 2023-12-01 --out "$WORK/m"
expect_contains "$WORK/err" "give --cutoff D or --cutoffs D1,D2,..., not both"
expect_exit 2 -- "$PATRON" cluster --orders orders.csv --silhouette-sample 1 --out "$WORK/s"
expect_contains "$WORK/err" "--silhouette-sample 1 cannot score 10 clusters"
if [ -w /dev/full ]; then
  expect_exit 1 -- sh -c "'$PATRON' analyze --orders orders.csv --out '$WORK/f' > /dev/full"
  expect_contains "$WORK/err" "patron analyze: cannot write to standard output"
fi
printf 'customer_id,order_id,order_time,amount\nA,1, 2024-01-01 ,5\nB,2,2024-01-01T10:00:00+08:00,5\nC,3,2024-01-02 10:00:00+0800,6\n' > "$WORK/dates.csv"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/dates.csv" --out "$WORK/dt" --quiet
[ -e "$WORK/dt/rejects.csv" ] && fail "dates with blanks or offsets rejected: $(cat "$WORK/dt/rejects.csv")"
expect_contains "$WORK/dt/summary.json" '"as_of": "2024-01-03"'
# the repurchase category table pads (and cuts) Chinese names by display width, not bytes
printf 'customer_id,order_id,order_time,amount,category\nA,1,2024-01-01,5,食品饮料\nA,2,2024-01-05,5,食品饮料\nB,3,2024-01-02,5,toys\nC,5,2024-01-02,5,一个非常非常长的中文类别名称超过二十列\n' > "$WORK/zh.csv"
expect_exit 0 -- "$PATRON" repurchase --orders "$WORK/zh.csv" --out "$WORK/zh"
python3 - "$WORK/out" <<'PY' || fail "category table misaligned: $(cat "$WORK/out")"
import sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("category"))
table = [l for l in lines[start:] if l.strip()][:4]
width = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
assert len({width(l) for l in table}) == 1, [width(l) for l in table]
PY
# segment and abc_class have Chinese names like the other segmentations; the report is also
# saved as DIR/report.txt (under --quiet too), with notes on rows empty by definition
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --threshold median --no-clv --quiet \
  --out "$WORK/rep"
[ -s "$WORK/out" ] && fail "--quiet printed"
for want in "冠军客户" "其他客户" "A类客户" "C类客户" "重要价值客户" \
  "new_customers, promising and cant_lose_them are always empty" \
  "classes are empty with --threshold median"; do
  expect_contains "$WORK/rep/report.txt" "$want"
done
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --no-clv --out "$WORK/rep2"
head -n -2 "$WORK/out" > "$WORK/printed"
expect_same "$WORK/printed" "$WORK/rep2/report.txt"
expect_contains "$WORK/out" "report.txt"
finish

