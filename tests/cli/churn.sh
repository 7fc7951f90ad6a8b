# patron churn / propensity on a small generated world: train writes the model directory,
# score is reproducible from the saved model (any thread count), analyze --churn-model adds
# churn_risk, and the documented errors are clear (exit 1) or usage errors (exit 2).
. "$(dirname "$0")/lib.sh"
expect_exit 0 -- "$PATRON" gen --customers 3000 --seed 21 --out "$WORK/w"
in="--orders $WORK/w/orders.csv --customers $WORK/w/customers.csv --events $WORK/w/events.csv"

# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" churn train $in --cutoff 2025-10-01 --horizon 90d --learner logistic \
  --threads 1 --out "$WORK/m" --dump-features "$WORK/features.csv"
expect_contains "$WORK/out" "Trained churn model (logistic)"
for f in model.json schema.json metrics.json importance.csv gains.csv; do
  [ -s "$WORK/m/$f" ] || fail "model directory lacks $f"
done
expect_contains "$WORK/m/metrics.json" '"roc_auc"'
expect_contains "$WORK/m/metrics.json" '"validation_cutoffs": ['
expect_contains "$WORK/m/schema.json" '"task": "churn"'
expect_contains "$WORK/m/gains.csv" "decile,customers,positives,rate,lift,cumulative_capture"
expect_contains "$WORK/features.csv" "customer_id,cutoff,set,label,recency_days,frequency"

# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" churn score $in --model "$WORK/m" --as-of 2025-12-01 \
  --out "$WORK/s1.csv" --threads 1
expect_contains "$WORK/out" "Scored"
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" churn score $in --model "$WORK/m" --as-of 2025-12-01 \
  --out "$WORK/s2.csv" --threads 2 --quiet
expect_same "$WORK/s1.csv" "$WORK/s2.csv"
head -1 "$WORK/s1.csv" > "$WORK/header"
echo "customer_id,churn_risk,risk_decile" > "$WORK/want"
expect_same "$WORK/header" "$WORK/want"
awk -F, 'NR > 1 && ($2 < 0 || $2 > 1 || $3 < 1 || $3 > 10) {bad++} END {exit bad > 0}' \
  "$WORK/s1.csv" || fail "scores or deciles out of range"

# XGBoost: a second training run gives the same model file
for run in a b; do
  # shellcheck disable=SC2086
  expect_exit 0 -- "$PATRON" churn train $in --cutoff 2025-10-01 --threads 1 --rounds 60 \
    --out "$WORK/x$run" --quiet
done
expect_same "$WORK/xa/model.json" "$WORK/xb/model.json"

# an edited XGBoost model whose second tree repeats id 0 is refused, not scored (XGBoost
# would leave tree slot 1 empty and crash on it)
cp -r "$WORK/xa" "$WORK/xdup"
sed 's/"id":1,/"id":0,/' "$WORK/xa/model.json" > "$WORK/xdup/model.json"
cmp -s "$WORK/xa/model.json" "$WORK/xdup/model.json" && fail "the edit found no tree id 1"
# shellcheck disable=SC2086
expect_exit 1 -- "$PATRON" churn score $in --model "$WORK/xdup" --out "$WORK/bad.csv"
expect_contains "$WORK/err" "tree ids must be 0 to num_trees - 1, each once"

# propensity
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" propensity train $in --cutoff 2025-10-01 --horizon 4w --threads 1 \
  --learner logistic --out "$WORK/p"
expect_contains "$WORK/p/schema.json" '"score_column": "purchase_propensity"'
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" propensity score $in --model "$WORK/p" --out "$WORK/p.csv" --quiet
expect_contains "$WORK/p.csv" "customer_id,purchase_propensity,propensity_decile"

# analyze --churn-model
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" analyze $in --churn-model "$WORK/m" --out "$WORK/a" --quiet
head -1 "$WORK/a/profiles.csv" | grep -qE ',churn_risk(,|$)' || fail "no churn_risk column"

# errors
expect_exit 1 -- "$PATRON" churn score --orders "$WORK/w/orders.csv" --model "$WORK/m" \
  --out "$WORK/bad.csv"
expect_contains "$WORK/err" "does not match the model's feature schema"
# shellcheck disable=SC2086
expect_exit 1 -- "$PATRON" churn train $in --cutoff 2025-12-01 --out "$WORK/bad"
expect_contains "$WORK/err" "the horizon runs past the end of the data"
# shellcheck disable=SC2086
expect_exit 1 -- "$PATRON" churn train $in --cutoff 2020-01-01 --out "$WORK/bad"
expect_contains "$WORK/err" "no customers with a purchase before the cut-off 2020-01-01"
expect_exit 1 -- "$PATRON" churn score $in --model "$WORK/nowhere" --out "$WORK/bad.csv"
expect_contains "$WORK/err" "cannot read"
# shellcheck disable=SC2086
expect_exit 2 -- "$PATRON" churn train $in --out "$WORK/bad"
expect_contains "$WORK/err" "train needs --cutoff"
# shellcheck disable=SC2086
expect_exit 2 -- "$PATRON" churn train $in --cutoff 2025-10-01 --horizon 90x --out "$WORK/bad"
expect_contains "$WORK/err" "--horizon expects days"
expect_exit 2 -- "$PATRON" churn fit
expect_contains "$WORK/err" "expects a subcommand: train or score"
finish
