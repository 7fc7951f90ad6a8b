# patron analyze on the hand-computed fixture: outputs equal the reviewed golden files
# (values worked out by hand in tests/unit/test_profile.c), summary counts balance.
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv \
  --as-of 2024-01-11 --out "$WORK/out1"
for f in profiles.csv segments.csv rejects.csv; do
  expect_same "$WORK/out1/$f" expected/$f
done
expect_contains "$WORK/out" "重要挽留客户"
expect_contains "$WORK/out1/summary.json" '"rows_read": 14'
expect_contains "$WORK/out1/summary.json" '"rows_used": 12'
expect_contains "$WORK/out1/summary.json" '"rows_rejected": 2'
expect_contains "$WORK/out1/summary.json" '"after_as_of": 1'
expect_contains "$WORK/out1/summary.json" '"duplicate_customer_id": 1'
# the same run with one thread gives the same bytes
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv \
  --as-of 2024-01-11 --threads 1 --quiet --out "$WORK/out2"
expect_same "$WORK/out2/profiles.csv" expected/profiles.csv
[ -s "$WORK/out" ] && fail "--quiet printed: $(head -c 200 "$WORK/out")"
# no terminal: no progress bar on stderr (warnings about the tiny fits are expected)
grep -v ': warning: ' "$WORK/err" > "$WORK/err.rest"
[ -s "$WORK/err.rest" ] && fail "stderr not empty without a terminal: $(head -c 200 "$WORK/err.rest")"
# --spec-only: exactly the SPEC section 3 columns, with the same values
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --customers customers.csv \
  --as-of 2024-01-11 --spec-only --quiet --out "$WORK/out3"
cut -d, -f1-18 expected/profiles.csv > "$WORK/spec_cols.csv"
expect_same "$WORK/out3/profiles.csv" "$WORK/spec_cols.csv"
finish
