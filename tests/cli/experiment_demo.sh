# patron demo's experiment: every generated customer assigned (hash, 50/50), a planted
# conversion effect found `effective`, the files written, and the same evaluation re-run with
# `patron experiment evaluate` from those files gives the same results.csv, as does the same
# assignment recorded in a store (assign --db) and evaluated from it (evaluate --db --name).
. "$(dirname "$0")/lib.sh"
expect_exit 0 -- "$PATRON" demo --customers 5000 --seed 3 --out "$WORK/demo"
for f in experiment/assign.csv experiment/orders_with_campaign.csv experiment/results.csv; do
  [ -s "$WORK/demo/$f" ] || fail "missing $f"
done
expect_contains "$WORK/out" "== Experiment"
grep -Eq '^treatment: \+[0-9.]+ pp conversion \[[0-9.]+, [0-9.]+\], effective$' "$WORK/out" ||
  fail "the planted effect is not reported effective: $(grep '^treatment:' "$WORK/out")"
rows=$(($(wc -l <"$WORK/demo/data/customers.csv") - 1))
[ "$(($(wc -l <"$WORK/demo/experiment/assign.csv") - 1))" = "$rows" ] || fail "not every customer assigned"
start=$(sed -n 's/.*--start \([0-9-]*\) .*/\1/p' "$WORK/out")
expect_exit 0 -- "$PATRON" experiment evaluate --assignments "$WORK/demo/experiment/assign.csv" \
  --name demo_coupon --orders "$WORK/demo/experiment/orders_with_campaign.csv" --start "$start" \
  --out "$WORK/again"
expect_same "$WORK/again/results.csv" "$WORK/demo/experiment/results.csv"
# the same assignment recorded in a store and evaluated from it (--db STORE --name NAME)
expect_exit 0 -- "$PATRON" experiment assign --ids "$WORK/demo/data/customers.csv" --name demo_coupon \
  --db "$WORK/exp.db" --out "$WORK/assign2.csv"
expect_same "$WORK/assign2.csv" "$WORK/demo/experiment/assign.csv"
expect_exit 0 -- "$PATRON" experiment evaluate --db "$WORK/exp.db" --name demo_coupon \
  --orders "$WORK/demo/experiment/orders_with_campaign.csv" --start "$start" --out "$WORK/fromdb"
expect_same "$WORK/fromdb/results.csv" "$WORK/demo/experiment/results.csv"
expect_exit 1 -- "$PATRON" experiment evaluate --db "$WORK/exp.db" --name nothing \
  --orders "$WORK/demo/experiment/orders_with_campaign.csv" --start "$start" --out "$WORK/x"
expect_contains "$WORK/err" "no assignments of experiment 'nothing'"
finish
