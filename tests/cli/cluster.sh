# patron cluster and the cluster / value-tier columns of patron analyze (docs/TIERS.md):
# outputs, usage errors naming the bad part with a caret (exit 2), too many clusters
# (exit 1), formula-v1's capped overflow, potential with and without events.
. "$(dirname "$0")/lib.sh"
cd "$TEST_DATA/small" || exit 1

# --- patron cluster on the hand-made fixture (5 purchasers, 5 distinct) ---
expect_exit 0 -- "$PATRON" cluster --orders orders.csv --as-of 2024-01-11 --out "$WORK/c1"
for f in assignments.csv centroids.csv k_scan.csv report.csv; do
  [ -s "$WORK/c1/$f" ] || fail "cluster did not write $f"
done
expect_contains "$WORK/c1/k_scan.csv" "k,inertia,silhouette,calinski_harabasz,n_iter,converged,chosen"
expect_contains "$WORK/c1/centroids.csv" "cluster,cluster_label,log1p(recency_days),log1p(frequency),log1p(monetary)"
expect_contains "$WORK/c1/report.csv" "cluster,cluster_label,customers,customer_share,revenue,revenue_share"
expect_contains "$WORK/out" "The scan stopped at k = 4"
[ "$(($(wc -l < "$WORK/c1/assignments.csv") - 1))" = 6 ] || fail "assignments.csv rows"
expect_contains "$WORK/c1/assignments.csv" "E,,,,,"
# the same with one thread: the same bytes
expect_exit 0 -- "$PATRON" cluster --orders orders.csv --as-of 2024-01-11 --threads 1 --quiet \
  --out "$WORK/c2"
for f in assignments.csv centroids.csv k_scan.csv report.csv; do
  expect_same "$WORK/c2/$f" "$WORK/c1/$f"
done
[ -s "$WORK/out" ] && fail "--quiet printed: $(head -c 200 "$WORK/out")"
# a fixed k gets its silhouette and Calinski-Harabasz as one scan row
expect_exit 0 -- "$PATRON" cluster --orders orders.csv --as-of 2024-01-11 --k 2 --quiet \
  --out "$WORK/c3"
[ "$(wc -l < "$WORK/c3/k_scan.csv")" = 2 ] || fail "fixed k: one scan row"
# more clusters than distinct customers: a clear error
expect_exit 1 -- "$PATRON" cluster --orders orders.csv --as-of 2024-01-11 --k 6 --out "$WORK/c4"
expect_contains "$WORK/err" "6 clusters need 6 distinct customers with a purchase; the data has 5"

# --- usage errors: exit 2, the bad part echoed with a caret ---
expect_exit 2 -- "$PATRON" cluster --orders orders.csv --out "$WORK/e" --features 'log1p(recency),foo'
expect_contains "$WORK/err" "--features log1p(recency),foo"
expect_contains "$WORK/err" "                 ^ not a column of the profile table"
expect_exit 2 -- "$PATRON" cluster --orders orders.csv --out "$WORK/e" --k many
expect_contains "$WORK/err" "--k expects auto or a whole number"
expect_exit 2 -- "$PATRON" cluster --orders orders.csv --out "$WORK/e" --k-range 5..3
expect_contains "$WORK/err" "--k-range expects A..B"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/e" --weights 0.4,x,0.3
expect_contains "$WORK/err" "      ^ expected a number"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/e" --tiers high_top=20,hihg_spend=1
expect_contains "$WORK/err" "            ^ unknown key"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/e" --levels 0,1000,900,20000
expect_contains "$WORK/err" "must be above the previous threshold"
expect_exit 2 -- "$PATRON" analyze --orders orders.csv --out "$WORK/e" --index formula-v1 \
  --weights 1,1,1
expect_contains "$WORK/err" "--weights does not apply to --index formula-v1"

# --- analyze: formula-v1 overflow is capped with a warning, never inf or NaN ---
printf 'customer_id,order_id,order_time,amount\nA,1,2024-01-02,800000\nB,2,2024-01-03,50\n' \
  > "$WORK/big.csv"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/big.csv" --index formula-v1 --quiet \
  --out "$WORK/f1"
expect_contains "$WORK/err" "warning: formula-v1"
expect_contains "$WORK/err" "for 1 of 2 customers"
grep -qiE 'inf|nan' "$WORK/f1/profiles.csv" && fail "inf or nan in profiles.csv"
# 0.3 x 1e30 + 0.4 ln(3) + 0.3, printed in full: 30 digits
grep -qE '^A,.*,[0-9]{30}\.[0-9]{6},' "$WORK/f1/profiles.csv" || fail "A's capped value_index"

# --- potential: said when there is no events file; given with one ---
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --as-of 2024-01-11 --out "$WORK/a1"
expect_contains "$WORK/out" "potential needs an events file"
printf 'customer_id,event_time,event_type\nB,2024-01-05,cart\nA,2024-01-09,cart\n' > "$WORK/ev.csv"
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --events "$WORK/ev.csv" --as-of 2024-01-11 \
  --tiers potential_from=0,potential_to=100 --out "$WORK/a2"
expect_contains "$WORK/a2/segments.csv" "tier,potential,1,"
grep -q "potential needs" "$WORK/out" && fail "potential note printed with events"
grep -q '^B,.*,potential,' "$WORK/a2/profiles.csv" || fail "B (cart after purchase) not potential"
finish
