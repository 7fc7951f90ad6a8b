# patron recommend (SPEC section 18) on generated data with planted co-purchase patterns:
# every rule (figures and order) against an independent pandas count at item, category and
# brand level; outputs identical on 1 and 2 threads; the recommendations beat the popularity
# baseline on a 30-day split; audience --recommend K carries the first K; bad options and
# missing columns fail cleanly.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c "import pandas" 2>/dev/null || { echo "SKIP: $PY with pandas is not available"; exit 77; }
REF="$(dirname "$0")/recommend_rules.py"
D="$WORK/data"
expect_exit 0 -- "$PATRON" gen --customers 4000 --seed 5 --out "$D" --quiet
in=(--orders "$D/orders.csv" --events "$D/events.csv" --customers "$D/customers.csv")

# rules against the reference, three levels
expect_exit 0 -- "$PATRON" recommend "${in[@]}" --min-support 3 --out "$WORK/item" --quiet
$PY "$REF" "$D/orders.csv" "$WORK/item/rules.csv" item_id 3 0.05 || fail "item rules differ"
expect_exit 0 -- "$PATRON" recommend "${in[@]}" --level category --min-support 20 \
  --min-confidence 0.1 --out "$WORK/cat" --quiet
$PY "$REF" "$D/orders.csv" "$WORK/cat/rules.csv" category 20 0.1 || fail "category rules differ"
expect_exit 0 -- "$PATRON" recommend "${in[@]}" --level brand --min-support 5 --out "$WORK/brand" \
  --quiet
$PY "$REF" "$D/orders.csv" "$WORK/brand/rules.csv" brand 5 0.05 || fail "brand rules differ"
head -1 "$WORK/item/similar.csv" | grep -qx "value,similar,score,rank" || fail "similar.csv header"
head -1 "$WORK/item/recommendations.csv" | grep -qx "customer_id,rank,value,score,reason" ||
  fail "recommendations.csv header"
grep -q ",viewed:I" "$WORK/item/recommendations.csv" || fail "no viewed: reason"
grep -q ",bought_with:I" "$WORK/item/recommendations.csv" || fail "no bought_with: reason"
grep -q ",popular:" "$WORK/item/recommendations.csv" || fail "no popular: reason"

# the same files whatever the thread count, and an evaluation that beats popularity
for t in 1 2; do
  expect_exit 0 -- "$PATRON" recommend "${in[@]}" --threads $t --evaluate-days 30 \
    --out "$WORK/t$t"
done
expect_contains "$WORK/out" "popularity"
for f in rules.csv similar.csv recommendations.csv recommend.json; do
  expect_same "$WORK/t1/$f" "$WORK/t2/$f"
done
$PY - "$WORK/t1/recommend.json" <<'PYEOF' || fail "recommendations do not beat popularity"
import json, sys
e = json.load(open(sys.argv[1]))
m, p = e["model"], e["popularity"]
print("model", m, "popularity", p)
assert e["customers"] > 100
for key in ("hit_rate", "precision_at_k", "recall_at_k", "coverage"):
    assert m[key] > p[key], key
PYEOF

# audience --recommend K: the first K of recommendations.csv, joined by |
expect_exit 0 -- "$PATRON" audience "${in[@]}" --where "frequency >= 3" --recommend 3 \
  --out "$WORK/aud.csv" --quiet
$PY - "$WORK/aud.csv" "$WORK/t1/recommendations.csv" <<'PYEOF' || fail "audience --recommend differs"
import sys
import pandas as pd
aud = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
rec = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
first = rec[rec["rank"].astype(int) <= 3].groupby("customer_id")["value"].apply("|".join)
assert len(aud) > 100
for cid, got in zip(aud["customer_id"], aud["recommended"]):
    assert got == first.get(cid, ""), (cid, got, first.get(cid))
PYEOF

# bad input and usage
expect_exit 2 -- "$PATRON" recommend "${in[@]}" --level sku --out "$WORK/x"
expect_contains "$WORK/err" "--level must be item, category or brand"
expect_exit 2 -- "$PATRON" recommend "${in[@]}"
expect_contains "$WORK/err" "--out DIR is required"
expect_exit 2 -- "$PATRON" recommend "${in[@]}" --k 0 --out "$WORK/x"
printf 'customer_id,order_id,order_time,amount\nc1,o1,2024-01-01,5\n' >"$WORK/plain.csv"
expect_exit 1 -- "$PATRON" recommend --orders "$WORK/plain.csv" --out "$WORK/x"
expect_contains "$WORK/err" "item_id"
finish
