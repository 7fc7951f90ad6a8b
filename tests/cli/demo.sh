# patron demo: generates a small world and analyzes it; every output is there and the
# counts in summary.json balance (rows read = used + rejected).
. "$(dirname "$0")/lib.sh"
expect_exit 0 -- "$PATRON" demo --customers 2000 --seed 7 --out "$WORK/demo"
for f in data/orders.csv data/customers.csv data/events.csv profiles.csv segments.csv summary.json; do
  [ -s "$WORK/demo/$f" ] || fail "missing $f"
done
expect_contains "$WORK/out" "重要价值客户"
expect_contains "$WORK/out" "lifecycle"
for f in rules.csv similar.csv recommendations.csv recommend.json; do
  [ -s "$WORK/demo/recommend/$f" ] || fail "missing recommend/$f"
done
expect_contains "$WORK/out" "popularity"
awk '/"rows_read"/ {gsub(/[^0-9]/, ""); r = $0} /"rows_used"/ {gsub(/[^0-9]/, ""); u = $0}
     /"rows_rejected"/ {gsub(/[^0-9]/, ""); j = $0; if (r != u + j) bad = 1}
     END {exit bad}' "$WORK/demo/summary.json" || fail "rows read != used + rejected"
rows=$(($(wc -l < "$WORK/demo/data/customers.csv") - 1))
expect_contains "$WORK/demo/summary.json" "\"customers\": $rows"
expect_exit 2 -- "$PATRON" demo --customers 0
finish
