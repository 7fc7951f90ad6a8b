# patron clv: CDNOW from the raw transactions and from the summary table reproduces the
# published fits; predict with the saved model gives the fit's predictions; impossible
# summary rows are rejected with file and line; usage errors exit 2, bad input 1.
. "$(dirname "$0")/lib.sh"
CD="${SHARED_DATA:-}/cdnow"
[ -r "$CD/CDNOW_sample.txt" ] || { echo "SKIP: $CD absent"; exit 77; }
RAW="--orders $CD/CDNOW_sample.txt --delimiter whitespace --no-header --date-format %Y%m%d
     --columns master_id,customer_id,order_time,quantity,amount --order-per-row"
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" clv fit $RAW --zero-value-purchases --unit weeks \
  --calibration-end 1997-09-30 --holdout-end 1998-06-30 --range-sims 50 --out "$WORK/raw"
expect_contains "$WORK/out" "r=0.2426 (se 0.0126) alpha=4.4136 (se 0.3782) a=0.7929"
expect_contains "$WORK/out" "LL -9582.429"
expect_contains "$WORK/out" "1882 repeat purchases"
for f in model.json predictions.csv summary.json evaluation.json conditional.csv tracking.csv; do
  [ -s "$WORK/raw/$f" ] || fail "missing $f"
done
[ -e "$WORK/raw/rejects.csv" ] && fail "rejects.csv without rejects"
[ "$(wc -l <"$WORK/raw/predictions.csv")" = 2358 ] || fail "predictions.csv rows"
expect_contains "$WORK/raw/predictions.csv" "customer_id,frequency,recency,T,monetary_value,p_alive,exp_purchases_90d,exp_purchases_365d,p_purchase_90d"
expect_contains "$WORK/raw/conditional.csv" "7+,64,6.359375"
expect_contains "$WORK/raw/tracking.csv" "39,1997-09-30,calibration,2457,"
expect_contains "$WORK/raw/tracking.csv" "78,1998-06-30,holdout,4339,"
expect_contains "$WORK/raw/summary.json" '"rows_read": 6919'
# the saved model applied to the same data gives the same predictions
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" clv predict --model "$WORK/raw/model.json" $RAW \
  --zero-value-purchases --calibration-end 1997-09-30 --holdout-end 1998-06-30 \
  --range-sims 50 --quiet --out "$WORK/pred"
expect_same "$WORK/pred/predictions.csv" "$WORK/raw/predictions.csv"
# the summary table, Pareto/NBD (published r=0.553, alpha=10.578, s=0.606, beta=11.669)
expect_exit 0 -- "$PATRON" clv fit --summary "$CD/cdnow_customers_summary.csv" \
  --map customer_id=ID --unit weeks --model paretonbd --out "$WORK/sum"
expect_contains "$WORK/out" "r=0.5533 (se 0.0476) alpha=10.5776"
expect_contains "$WORK/out" "s=0.6062"
# Gamma-Gamma from the summary with spend (published p=6.25, q=3.74, gamma=15.44)
expect_exit 0 -- "$PATRON" clv fit --summary "$CD/cdnow_customers_summary_with_transactions.csv" \
  --map customer_id=ID --map frequency=x --map recency=t_x --map monetary_value=zbar \
  --unit weeks --spend gammagamma --range-sims 0 --quiet --out "$WORK/gg"
expect_contains "$WORK/gg/model.json" '"p": 6.24'
# impossible summary rows: rejects.csv with file and line; --strict stops at the first
{ printf 'customer_id,frequency,recency,T\n1,2,10,20\n2,0,3,20\n3,1,30,20\n4,x,1,2\n'
  tail -n +2 "$CD/cdnow_customers_summary.csv" | head -300; } >"$WORK/bad.csv"
expect_exit 0 -- "$PATRON" clv fit --summary "$WORK/bad.csv" --unit weeks --out "$WORK/bad"
expect_contains "$WORK/bad/rejects.csv" "$WORK/bad.csv,3,recency,impossible_summary"
expect_contains "$WORK/bad/rejects.csv" "$WORK/bad.csv,4,T,impossible_summary"
expect_contains "$WORK/bad/rejects.csv" "$WORK/bad.csv,5,frequency,bad_number"
expect_contains "$WORK/bad/summary.json" '"impossible_summary": 2'
expect_exit 1 -- "$PATRON" clv fit --summary "$WORK/bad.csv" --unit weeks --strict --out "$WORK/bad2"
expect_contains "$WORK/err" "bad.csv:3: impossible_summary in column 'recency'"
expect_exit 1 -- "$PATRON" clv fit --summary "$CD/cdnow_customers_summary.csv" --map customer_id=ID \
  --spend gammagamma --out "$WORK/nospend"
expect_contains "$WORK/err" "no monetary_value column"
# usage errors
expect_exit 2 -- "$PATRON" clv
expect_exit 2 -- "$PATRON" clv tune --summary "$WORK/bad.csv" --out "$WORK/x"
expect_exit 2 -- "$PATRON" clv fit --summary "$WORK/bad.csv" --orders "$WORK/bad.csv" --out "$WORK/x"
expect_exit 2 -- "$PATRON" clv fit --summary "$WORK/bad.csv" --model gammagamma --out "$WORK/x"
expect_exit 2 -- "$PATRON" clv fit --orders x.csv --holdout-end 1998-01-01 --out "$WORK/x"
expect_exit 2 -- "$PATRON" clv fit --summary "$WORK/bad.csv" --horizon 90q --out "$WORK/x"
expect_exit 2 -- "$PATRON" clv predict --summary "$WORK/bad.csv" --out "$WORK/x"
expect_exit 1 -- "$PATRON" clv predict --model "$WORK/bad.csv" --summary "$WORK/bad.csv" --out "$WORK/x"
# patron analyze gains the CLV columns
# shellcheck disable=SC2086
expect_exit 0 -- "$PATRON" analyze $RAW --as-of 1997-10-01 --quiet --out "$WORK/an"
head -1 "$WORK/an/profiles.csv" | grep -q ",lifecycle,p_alive,exp_purchases_90d,clv_365d" ||
  fail "analyze lacks the CLV columns: $(head -1 "$WORK/an/profiles.csv")"
finish
