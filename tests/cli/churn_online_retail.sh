# patron churn on the real UCI Online Retail file (../shared/data), time split: features
# before 2011-06-12 train, before 2011-09-10 validate (labels: no purchase in the next 90
# days, the last order is on 2011-12-09). Both learners must beat the recency-only
# baseline clearly; bench/churn_bench.sh compares them with scikit-learn.
. "$(dirname "$0")/lib.sh"
data="$SHARED_DATA/online_retail/online_retail.csv"
[ -r "$data" ] || { echo "SKIP: $data is absent (shared data not available)"; exit 77; }
map="--map customer_id=CustomerID --map order_id=InvoiceNo --map order_time=InvoiceDate"
map="$map --map quantity=Quantity --map unit_price=UnitPrice"
for learner in xgboost logistic; do
  # shellcheck disable=SC2086
  expect_exit 0 -- "$PATRON" churn train --orders "$data" $map --cutoff 2011-09-10 \
    --learner $learner --threads 1 --out "$WORK/$learner" --quiet
  /usr/bin/python3 - "$WORK/$learner/metrics.json" <<'PY' || fail "$learner does not beat recency"
import json, sys
m = json.load(open(sys.argv[1]))
auc, base = m["validation"]["roc_auc"], m["recency_baseline"]["roc_auc"]
lift = m["validation"]["top_decile_lift"]
print(f"AUC {auc:.4f} recency {base:.4f} lift {lift:.2f}")
sys.exit(0 if auc > 0.72 and auc > base + 0.03 and lift > 1.4 else 1)
PY
done
expect_exit 1 -- "$PATRON" churn train --orders "$data" $map --cutoff 2011-09-12 --out "$WORK/x"
expect_contains "$WORK/err" "latest possible cut-off for this horizon: 2011-09-11"
finish
