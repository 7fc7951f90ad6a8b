# patron demo: generates a small world and analyzes it; every output is there and the
# counts in summary.json balance (rows read = used + rejected); the daily loop ran.
. "$(dirname "$0")/lib.sh"
expect_exit 0 -- "$PATRON" demo --customers 2000 --seed 7 --out "$WORK/demo"
for f in data/orders.csv data/customers.csv data/events.csv profiles.csv segments.csv summary.json; do
  [ -s "$WORK/demo/$f" ] || fail "missing $f"
done
expect_contains "$WORK/out" "重要价值客户"
expect_contains "$WORK/out" "lifecycle"
awk '/"rows_read"/ {gsub(/[^0-9]/, ""); r = $0} /"rows_used"/ {gsub(/[^0-9]/, ""); u = $0}
     /"rows_rejected"/ {gsub(/[^0-9]/, ""); j = $0; if (r != u + j) bad = 1}
     END {exit bad}' "$WORK/demo/summary.json" || fail "rows read != used + rejected"
rows=$(($(wc -l < "$WORK/demo/data/customers.csv") - 1))
expect_contains "$WORK/demo/summary.json" "\"customers\": $rows"
# the daily loop: two snapshots a month apart, their movements, the plan (and triggers)
for f in store.db movements/movements.csv movements/changes.csv plan/plan.csv plan/plan_summary.csv; do
  [ -s "$WORK/demo/$f" ] || fail "missing $f"
done
expect_contains "$WORK/out" "Movements of lifecycle from"
expect_contains "$WORK/out" "Campaign matrix (rows: lifecycle"
if "$PATRON" trigger --help >/dev/null 2>&1; then
  expect_contains "$WORK/out" "Trigger run as of"
  [ -s "$WORK/demo/trigger/actions.csv" ] || fail "missing trigger/actions.csv"
fi
"$PATRON" snapshots --db "$WORK/demo/store.db" >"$WORK/list" || fail "snapshots"
[ "$(grep -c '^20' "$WORK/list")" -ge 2 ] || fail "two snapshots or more expected: $(cat "$WORK/list")"
expect_exit 2 -- "$PATRON" demo --customers 0
finish
