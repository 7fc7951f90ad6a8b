# patron repurchase on the hand-computed fixture (tests/data/small, as of 2024-01-11):
#   A: 01-05, 01-10 (01-11 is cut)  gap 5 -> next 01-15, 4 days ahead: due
#   C: 06-01, 07-01, 08-01 (refund 08-05 ignored)  gaps 30, 31 -> 30.5 -> next 09-01: overdue
#   B, D, F: one purchase day (F's zero order does not count): unknown; with --fallback
#   they take median(5, 30.5) = 17.75 -> next = last + 18 days.
# Also: usage errors, --no-categories, stale files, analyze's new columns, thread counts.
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
expect_exit 0 -- "$PATRON" repurchase --orders orders.csv --as-of 2024-01-11 --out "$WORK/a"
cat > "$WORK/want_customers" <<'EOF'
customer_id,purchase_days,first_purchase,last_purchase,repurchase_cycle_days,next_purchase_date,days_to_next,repurchase_due,repurchase_status
A,2,2024-01-05,2024-01-10,5.00,2024-01-15,4,1,due
B,1,2024-01-01,2024-01-01,,,,,unknown
C,3,2023-06-01,2023-08-01,30.50,2023-09-01,-132,0,overdue
D,1,2022-12-01,2022-12-01,,,,,unknown
F,1,2024-01-10,2024-01-10,,,,,unknown
EOF
expect_same "$WORK/a/repurchase_customers.csv" "$WORK/want_customers"
expect_contains "$WORK/out" "due                 1   20.0%"
expect_contains "$WORK/out" "unknown             3   60.0%"
# C's food days 06-01 and 08-01 (the 07-01 line is another category): one gap of 61 days
expect_contains "$WORK/a/repurchase_customer_categories.csv" \
  "C,food,2,2023-06-01,2023-08-01,61.00,2023-10-01,-102,0,overdue"
expect_contains "$WORK/a/repurchase_categories.csv" "food,1,1,1.0000,61.00,1.0000,1,1,1.0000,0,1"
expect_contains "$WORK/a/repurchase_categories.csv" '"toys, games",1,0,0.0000,,,,,,0,0'
[ "$(wc -l < "$WORK/a/repurchase_customer_categories.csv")" = 9 ] || fail "pairs rows" # 7 + header + quoted newline
expect_contains "$WORK/out" "multi  line" # control characters are not printed raw

# --fallback
expect_exit 0 -- "$PATRON" repurchase --orders orders.csv --as-of 2024-01-11 --fallback --quiet \
  --out "$WORK/b"
expect_contains "$WORK/b/repurchase_customers.csv" "B,1,2024-01-01,2024-01-01,17.75,2024-01-19,8,1,due,fallback"
expect_contains "$WORK/b/repurchase_customers.csv" "F,1,2024-01-10,2024-01-10,17.75,2024-01-28,17,0,not_due,fallback"
expect_contains "$WORK/b/repurchase_customers.csv" "A,2,2024-01-05,2024-01-10,5.00,2024-01-15,4,1,due,own"
[ -s "$WORK/out" ] && fail "--quiet printed: $(head -c 200 "$WORK/out")"

# --due-days 4: A's next date is 4 days ahead, outside [as_of, as_of + 4)
expect_exit 0 -- "$PATRON" repurchase --orders orders.csv --as-of 2024-01-11 --due-days 4 \
  --no-categories --quiet --out "$WORK/a"
expect_contains "$WORK/a/repurchase_customers.csv" "A,2,2024-01-05,2024-01-10,5.00,2024-01-15,4,0,not_due"
[ -e "$WORK/a/repurchase_categories.csv" ] && fail "stale repurchase_categories.csv kept"
[ -e "$WORK/a/repurchase_customer_categories.csv" ] && fail "stale pairs file kept"

# usage errors
expect_exit 2 -- "$PATRON" repurchase --orders orders.csv --out "$WORK/c" --due-days 0
expect_contains "$WORK/err" "--due-days"
expect_exit 2 -- "$PATRON" repurchase --orders orders.csv
expect_contains "$WORK/err" "--out DIR is required"
expect_exit 2 -- "$PATRON" repurchase --out "$WORK/c"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/c" --due-days x
expect_exit 1 -- "$PATRON" repurchase --orders missing.csv --out "$WORK/c"

# analyze: the profile gains the columns; --due-days and --cycle-fallback reach them
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --as-of 2024-01-11 --quiet --no-clv \
  --due-days 4 --cycle-fallback --out "$WORK/an"
head -1 "$WORK/an/profiles.csv" | grep -q "lifecycle,repurchase_cycle_days,next_purchase_date,repurchase_due,repurchase_status,repurchase_cycle_source," ||
  fail "profiles.csv header: $(head -1 "$WORK/an/profiles.csv")"
expect_contains "$WORK/an/profiles.csv" ",new,5.00,2024-01-15,0,not_due,own"
expect_contains "$WORK/an/profiles.csv" ",new,17.75,2024-01-19,0,not_due,fallback"
expect_contains "$WORK/an/segments.csv" "repurchase_status,overdue,2,"

# the same bytes for any thread count (generated data, several blocks)
expect_exit 0 -- "$PATRON" gen --customers 40000 --seed 11 --orders-only --quiet --out "$WORK/g"
for t in 1 2; do
  expect_exit 0 -- "$PATRON" repurchase --orders "$WORK/g/orders.csv" --threads $t --fallback \
    --quiet --out "$WORK/t$t"
done
for f in repurchase_customers.csv repurchase_customer_categories.csv repurchase_categories.csv; do
  expect_same "$WORK/t1/$f" "$WORK/t2/$f"
done
finish
