# patron recommend on the UCI Online Retail export (StockCode as the item; skipped when
# ../shared/data is absent): the rules equal an independent pandas count, and on a 30-day
# split the recommendations beat the popularity baseline (hit rate, precision@10,
# recall@10, coverage). Figures: docs/RECOMMEND.md.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
data="$SHARED_DATA/online_retail/online_retail.csv"
[ -r "$data" ] || { echo "SKIP: $data is absent (shared data not available)"; exit 77; }
$PY -c "import pandas" 2>/dev/null || { echo "SKIP: $PY with pandas is not available"; exit 77; }
maps=(--map customer_id=CustomerID --map order_id=InvoiceNo --map order_time=InvoiceDate
  --map quantity=Quantity --map unit_price=UnitPrice --map item_id=StockCode)
expect_exit 0 -- "$PATRON" recommend --orders "$data" "${maps[@]}" --min-support 300 \
  --evaluate-days 30 --out "$WORK/or"
cat "$WORK/out"
$PY "$(dirname "$0")/recommend_rules.py" "$data" "$WORK/or/rules.csv" StockCode 300 0.05 \
  CustomerID InvoiceNo InvoiceDate - || fail "rules differ from the pandas count"
$PY - "$WORK/or/recommend.json" <<'PYEOF' || fail "recommendations do not beat popularity"
import json, sys
e = json.load(open(sys.argv[1]))
m, p = e["model"], e["popularity"]
assert e["customers"] > 1000
for key in ("hit_rate", "precision_at_k", "recall_at_k", "coverage"):
    assert m[key] > p[key], key
PYEOF
# --min-support 2 on item baskets: hundreds of millions of rules (178M measured, 15.7 GB);
# the fit stops at the limit with a message naming the option, in seconds, not out of memory
expect_exit 1 -- "$PATRON" recommend --orders "$data" "${maps[@]}" --level item --min-support 2 \
  --quiet --out "$WORK/many"
expect_contains "$WORK/err" "more than 20000000 association rules at --min-support 2: raise --min-support"
finish
