# patron analyze on the real UCI Online Retail file (../shared/data): every bad row is
# accounted for and the headline figures equal those computed independently in its
# SOURCE.md (purchasers 4,338, top-20% revenue share 73.6%, silent share 19.85%).
. "$(dirname "$0")/lib.sh"
data="$SHARED_DATA/online_retail/online_retail.csv"
[ -r "$data" ] || { echo "SKIP: $data is absent (shared data not available)"; exit 77; }
expect_exit 0 -- "$PATRON" analyze --orders "$data" --map customer_id=CustomerID \
  --map order_id=InvoiceNo --map order_time=InvoiceDate --map quantity=Quantity \
  --map unit_price=UnitPrice --out "$WORK/or"
s="$WORK/or/summary.json"
expect_contains "$s" '"rows_read": 541909'
expect_contains "$s" '"rows_used": 406829'
expect_contains "$s" '"rows_rejected": 135080'
expect_contains "$s" '"empty_customer_id": 135080'
expect_contains "$s" '"customers": 4372'
expect_contains "$s" '"purchasers": 4338'
expect_contains "$s" '"top20_revenue_share": 0.7358'
expect_contains "$s" '"silent_share": 0.1984'
[ "$(($(wc -l < "$WORK/or/rejects.csv") - 1))" = 135080 ] || fail "rejects.csv rows"
[ "$(($(wc -l < "$WORK/or/profiles.csv") - 1))" = 4372 ] || fail "profiles.csv rows"
# means over purchasers: recency 93.06, frequency 4.272, monetary 1,915.74 (SOURCE.md)
awk -F, 'NR > 1 && $5 != "" {n++; r += $4; f += $5; m += $6}
  END {printf "%.2f %.3f %.2f\n", r / n, f / n, m / n}' "$WORK/or/profiles.csv" > "$WORK/means"
expect_contains "$WORK/means" "93.06 4.272 1915.74"
# a cancellation (C invoice) counts as a refund inside monetary: 12346.0 bought and returned
expect_contains "$WORK/or/profiles.csv" "12346.0,2011-01-18,2011-01-18,326,1,0.00,0.00,326,"
finish
