#!/usr/bin/env bash
# Churn benchmark and comparison.
#  1. UCI Online Retail (../shared/data): time split (features before 2011-06-12 train,
#     before 2011-09-10 validate, H = 90 days), Patron XGBoost and logistic vs
#     scikit-learn on the same feature matrix (bench/churn_sklearn.py): Patron's AUC must be
#     at least scikit-learn's minus 0.005.
#  2. Scale: a generated world of N customers (default 1,000,000, with members and events):
#     training time (load, features + labels, training) and scoring time.
# Usage: bench/churn_bench.sh [BUILD_DIR] [N]     (BENCH_DIR=/tmp/patron-churn-bench)
# Numbers go to stdout; docs/CHURN.md records them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
n=${2:-1000000}
patron=$build/patron
work=${BENCH_DIR:-/tmp/patron-churn-bench}
mkdir -p "$work"
export LC_ALL=C

echo "== Online Retail: Patron vs scikit-learn"
data=$here/../shared/data/online_retail/online_retail.csv
status=0
if [ -r "$data" ]; then
  map=(--map customer_id=CustomerID --map order_id=InvoiceNo --map order_time=InvoiceDate
       --map quantity=Quantity --map unit_price=UnitPrice)
  for learner in xgboost logistic; do
    "$patron" churn train --orders "$data" "${map[@]}" --cutoff 2011-09-10 --learner $learner \
      --out "$work/or-$learner" --dump-features "$work/or-$learner.csv"
    /usr/bin/python3 "$here/bench/churn_sklearn.py" "$work/or-$learner.csv" \
      "$work/or-$learner/metrics.json" || status=1
  done
else
  echo "SKIP: $data is absent"
fi

echo "== Scale: $n customers"
world=$work/world-$n
if [ ! -s "$world/events.csv" ]; then
  "$patron" gen --customers "$n" --seed 7 --out "$world"
fi
in=(--orders "$world/orders.csv" --customers "$world/customers.csv" --events "$world/events.csv")
/usr/bin/time -f "train: %e s wall, %U s user, %S s sys, %M KiB max RSS" \
  "$patron" churn train "${in[@]}" --cutoff 2025-10-01 --out "$work/model-$n"
/usr/bin/time -f "score: %e s wall, %U s user, %S s sys, %M KiB max RSS" \
  "$patron" churn score "${in[@]}" --model "$work/model-$n" --out "$work/scores-$n.csv"
exit $status
