# The fast loader changes no output: the same orders in time order (customers interleaved,
# as real exports come), shuffled (lines of an order far apart) and grouped by customer give
# byte-identical profiles.csv and segments.csv with 1 and 2 threads (the rows of a
# segmentation by a dictionary value, preferred_channel, come in the values' byte order,
# whatever order the file gives them in); the --spec-only
# profiles equal the independent pandas implementation (bench/analyze_pandas.py); order ids
# shared by two customers, repeated non-adjacently or not increasing are merged exactly.
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3
root=$(cd "$(dirname "$0")/../.." && pwd)
"$py" -c 'import pandas' 2>/dev/null || { echo "SKIP: $py with pandas is needed"; exit 77; }

expect_exit 0 -- "$PATRON" gen --customers 3000 --seed 11 --time-ordered --orders-only \
  --quiet --out "$WORK/gen"
t="$WORK/gen/orders.csv"
# shuffled rows (fixed seed) and rows grouped by customer (stable), header kept
"$py" - "$t" "$WORK/shuffled.csv" "$WORK/grouped.csv" <<'EOF'
import random, sys
head, *rows = open(sys.argv[1]).read().splitlines(True)
random.Random(5).shuffle(shuffled := rows[:])
open(sys.argv[2], "w").write(head + "".join(shuffled))
rows.sort(key=lambda r: r.split(",", 1)[0])
open(sys.argv[3], "w").write(head + "".join(rows))
EOF
run() { # NAME FILE THREADS
  expect_exit 0 -- "$PATRON" analyze --orders "$2" --threads "$3" --quiet --out "$WORK/$1"
}
run time1 "$t" 1
run time2 "$t" 2
run shuf1 "$WORK/shuffled.csv" 1
run shuf2 "$WORK/shuffled.csv" 2
run group2 "$WORK/grouped.csv" 2
for r in time2 shuf1 shuf2 group2; do
  expect_same "$WORK/$r/profiles.csv" "$WORK/time1/profiles.csv"
  expect_same "$WORK/$r/segments.csv" "$WORK/time1/segments.csv"
done
grep '^preferred_channel,' "$WORK/time1/segments.csv" | cut -d, -f2 >"$WORK/channels"
LC_ALL=C sort "$WORK/channels" >"$WORK/channels.sorted"
expect_same "$WORK/channels" "$WORK/channels.sorted"
[ "$(grep -c . "$WORK/channels")" -ge 2 ] || fail "preferred_channel rows missing"
grep -qx '' "$WORK/channels" && fail "an empty preferred_channel row"

# against pandas: the SPEC section 3 columns, byte for byte
expect_exit 0 -- "$PATRON" analyze --orders "$t" --spec-only --quiet --out "$WORK/spec"
expect_exit 0 -- "$py" "$root/bench/analyze_pandas.py" --orders "$WORK/shuffled.csv" \
  --out "$WORK/pandas"
expect_same "$WORK/spec/profiles.csv" "$WORK/pandas/profiles.csv"

# hand-made: order 7 of customer a has lines far apart and in two halves of the file;
# customer b reuses ids 7 and 1; ids decrease. a: 2 orders (7: 10+5, 1: 2), b: 2 orders.
{
  echo "customer_id,order_id,order_time,amount"
  echo "a,7,2024-01-05,10"
  echo "b,7,2024-01-06,1"
  echo "a,1,2024-01-07,2"
  for i in $(seq 1 2000); do echo "c$i,o$i,2024-01-0$((i % 9 + 1)),1"; done
  echo "b,1,2024-01-08,3"
  echo "a,7,2024-01-04,5"
} >"$WORK/hand.csv"
for n in 1 2; do
  expect_exit 0 -- "$PATRON" analyze --orders "$WORK/hand.csv" --threads $n --spec-only \
    --as-of 2024-01-10 --quiet --out "$WORK/hand$n"
  expect_contains "$WORK/hand$n/profiles.csv" "a,2024-01-04,2024-01-07,3,2,17.00,8.50,"
  expect_contains "$WORK/hand$n/profiles.csv" "b,2024-01-06,2024-01-08,2,2,4.00,2.00,"
done
expect_same "$WORK/hand2/profiles.csv" "$WORK/hand1/profiles.csv"
finish
