# The speed work changes no output (issue 9): on bench-shaped orders (the anchor file's
# generator, time-ordered, customers interleaved; tests/data/bench_small/SOURCE.md) the
# default analyze, clv fit (days with --range-sims, weeks with a holdout and fractional
# recency/T) and churn score give byte for byte the files main gave before the printf-free
# writer and the one-pass CLV predictions; with 1 and 2 threads.
. "$(dirname "$0")/lib.sh"
D="$TEST_DATA/bench_small"
E="$D/expected"
O=(--orders "$D/orders.csv" --map order_time=ts --quiet)
for t in 1 2; do
  expect_exit 0 -- "$PATRON" analyze "${O[@]}" --threads "$t" --out "$WORK/an$t"
  expect_same "$WORK/an$t/profiles.csv" "$E/profiles.csv"
  expect_same "$WORK/an$t/segments.csv" "$E/segments.csv"
  expect_exit 0 -- "$PATRON" clv fit "${O[@]}" --threads "$t" --range-sims 20 --out "$WORK/clv$t"
  expect_same "$WORK/clv$t/predictions.csv" "$E/predictions.csv"
  expect_exit 0 -- "$PATRON" clv fit "${O[@]}" --threads "$t" --unit weeks --model paretonbd \
    --horizon 30d,26w --calibration-end 2024-06-30 --holdout-end 2024-12-31 --range-sims 0 \
    --out "$WORK/clvw$t"
  expect_same "$WORK/clvw$t/predictions.csv" "$E/predictions_weeks.csv"
done
expect_exit 0 -- "$PATRON" churn train "${O[@]}" --cutoff 2024-07-01 --horizon 90d --rounds 30 \
  --out "$WORK/model"
for t in 1 2; do
  expect_exit 0 -- "$PATRON" churn score "${O[@]}" --threads "$t" --model "$WORK/model" \
    --out "$WORK/scores$t.csv"
  expect_same "$WORK/scores$t.csv" "$E/scores.csv"
done
expect_exit 2 -- "$PATRON" clv fit "${O[@]}" --horizon 90d,90d --out "$WORK/dup"
expect_contains "$WORK/err" "--horizon lists 90d twice"
finish
