# patron demo: generates a small world and analyzes it; every output is there and the
# counts in summary.json balance (rows read = used + rejected); the daily loop ran.
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
# the example rule files, their columns and the example audience (SPEC 7, 8)
for f in demo_tags.txt demo_segments.txt audience_winback.csv; do
  [ -s "$WORK/demo/$f" ] || fail "missing $f"
done
head -1 "$WORK/demo/profiles.csv" | grep -q ',big_spender,browses_not_buys,cart_left,app_regular,tags,custom_segment' ||
  fail "rule columns: $(head -1 "$WORK/demo/profiles.csv")"
expect_contains "$WORK/demo/segments.csv" "custom_segment,vip,"
expect_contains "$WORK/out" "Example audience: patron audience --where"
expect_contains "$WORK/out" "By lifecycle:"
head -1 "$WORK/demo/audience_winback.csv" | grep -qx 'customer_id,monetary,lifecycle,events_30d,tags' ||
  fail "audience columns: $(head -1 "$WORK/demo/audience_winback.csv")"
# the portrait of the high-value tier (SPEC 17)
for f in portrait.csv affinity.csv stats.csv; do
  [ -s "$WORK/demo/portrait/$f" ] || fail "missing portrait/$f"
done
expect_contains "$WORK/out" "patron portrait --where"
expect_contains "$WORK/out" "high_value:"
# the example lookalike (SPEC 9)
expect_contains "$WORK/out" "Example lookalike: patron lookalike"
expect_contains "$WORK/out" "logistic, seed vs rest"
head -1 "$WORK/demo/lookalike_champions.csv" | grep -qx 'customer_id,score,rank' ||
  fail "lookalike columns: $(head -1 "$WORK/demo/lookalike_champions.csv")"
expect_contains "$WORK/demo/lookalike.json" '"schema": "patron.lookalike"'
# the daily loop: two snapshots a month apart, their movements, the plan (and triggers)
# who slipped (previous()/moved() over the store): exactly movements.csv's active -> worse
want=$(awk -F, '$1 == "active" && ($2 == "silent" || $2 == "dormant" || $2 == "churned") {n += $3}
  END {print n + 0}' "$WORK/demo/movements/movements.csv")
[ "$(($(wc -l < "$WORK/demo/audience_slipped.csv") - 1))" = "$want" ] ||
  fail "audience_slipped.csv: $(wc -l < "$WORK/demo/audience_slipped.csv") lines, want $want + 1"
expect_contains "$WORK/out" "--where \"moved(lifecycle) = 'down' and previous(lifecycle) = 'active'\""
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
[ "$(grep -c '^20' "$WORK/list")" = 3 ] || fail "three snapshots expected (a month ago, today, the monitor's tomorrow): $(cat "$WORK/list")"
[ -s "$WORK/demo/report.html" ] || fail "missing report.html"
expect_contains "$WORK/out" "patron serve --db"
expect_exit 2 -- "$PATRON" demo --customers 0
finish
