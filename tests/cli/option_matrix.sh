# Option matrix: every documented option of every command, alone and in the combinations a
# user types, runs to the end (exit 0) on a small generated world and the hand-made fixture.
# A crash (signal), a sanitizer report or a non-zero exit fails the check that ran it.
. "$(dirname "$0")/lib.sh"
expect_exit 0 -- "$PATRON" gen --customers 300 --seed 5 --out "$WORK/w" --quiet
W="$WORK/w"
IN="--orders $W/orders.csv --customers $W/customers.csv --events $W/events.csv"
SMALL="$TEST_DATA/small"
n=0
# ok ARGS...: the command must exit 0
ok() { n=$((n + 1)); expect_exit 0 -- "$PATRON" "$@" --out "$WORK/o$n"; }

# --- analyze: each option alone, then with --spec-only / --quiet / --no-clv combined ---
analyze_opts=(
  "" "--quiet" "--spec-only" "--no-clv" "--k auto" "--k 3" "--k-range 2..4" "--clv-model bgnbd"
  "--clv-model mbgnbd" "--clv-model paretonbd" "--cycle-fallback" "--due-days 30" "--bins 3"
  "--bins 9" "--threshold median" "--abc 10,30" "--new-days 10" "--active-days 60"
  "--silent-days 120" "--dormant-days 400" "--as-of 2025-06-01" "--threads 1" "--strict"
  "--features log1p(monetary),frequency" "--n-init 2" "--max-iter 50" "--tol 1e-3" "--seed 7"
  "--silhouette-sample 0" "--silhouette-sample 100" "--index minmax-log" "--index formula-v1"
  "--weights 0.5,0.25,0.25" "--tiers high_top=10" "--levels 0,500,2000,8000"
)
for o in "${analyze_opts[@]}"; do
  # shellcheck disable=SC2086
  ok analyze $IN $o
  # shellcheck disable=SC2086
  [ "$o" = --spec-only ] || ok analyze $IN $o --spec-only --quiet
done
# --spec-only with the report printed (it once printed a NULL clustering)
for o in "" "--no-clv" "--k auto" "--clv-model paretonbd" "--cycle-fallback" "--no-clv --quiet"; do
  # shellcheck disable=SC2086
  ok analyze $IN --spec-only $o
done
# analyze on the orders alone and on the hand-made fixture (refunds, quoting, rejects)
ok analyze --orders "$W/orders.csv"
ok analyze --orders "$SMALL/orders.csv" --customers "$SMALL/customers.csv"
ok analyze --orders "$SMALL/orders.csv" --spec-only
ok analyze --orders "$SMALL/orders.csv" --k auto --clv-model paretonbd --cycle-fallback
ok analyze --orders "$SMALL/orders.csv" --bins 3 --threshold median --quiet
ok analyze --orders "$W/orders.csv" --map amount=amount --map orders.category=category --quiet
ok analyze --orders "$W/orders.csv" --delimiter comma --date-format '%Y-%m-%d %H:%M:%S' --quiet

# --- repurchase ---
for o in "" "--quiet" "--fallback" "--no-categories" "--due-days 7" "--as-of 2025-06-01" \
  "--threads 1" "--fallback --no-categories --quiet"; do
  # shellcheck disable=SC2086
  ok repurchase --orders "$W/orders.csv" $o
done
ok repurchase --orders "$SMALL/orders.csv" --fallback

# --- cluster ---
for o in "" "--quiet" "--k 3" "--k auto" "--k-range 2..5" "--features log1p(monetary),frequency" \
  "--n-init 2" "--max-iter 20" "--tol 0.01" "--seed 3" "--silhouette-sample 0" \
  "--silhouette-sample 50" "--threads 1" "--as-of 2025-06-01"; do
  # shellcheck disable=SC2086
  ok cluster $IN $o
done

# --- clv fit / predict ---
for o in "" "--quiet" "--model mbgnbd" "--model paretonbd" "--spend none" "--unit weeks" \
  "--penalizer 0.01" "--horizon 30d,12w,1y" "--discount-rate 0.05" "--margin 0.3" \
  "--range-sims 0" "--range-sims 20 --seed 4" "--lifetime-years 3" "--cost 5" \
  "--zero-value-purchases" "--calibration-end 2025-06-30 --holdout-end 2025-12-31" \
  "--as-of 2025-10-01"; do
  # shellcheck disable=SC2086
  ok clv fit --orders "$W/orders.csv" --range-sims 10 $o
done
ok clv fit --orders "$W/orders.csv" --quiet
model="$WORK/o$n/model.json"
ok clv predict --model "$model" --orders "$W/orders.csv" --quiet
ok clv predict --model "$model" --orders "$W/orders.csv" --horizon 30d --range-sims 0

# --- churn / propensity train and score ---
for task in churn propensity; do
  for o in "--learner logistic" "--learner logistic --balanced --l2 0.5" \
    "--learner xgboost --rounds 5 --eta 0.3 --max-depth 2" "--learner logistic --no-clv" \
    "--learner logistic --folds 3" "--learner logistic --refit --max-levels 3 --seed 1" \
    "--learner logistic --horizon 60d --quiet"; do
    # shellcheck disable=SC2086
    ok $task train $IN --cutoff 2025-09-01 $o
  done
  # shellcheck disable=SC2086
  ok $task train $IN --cutoffs 2025-06-01,2025-09-01 --learner logistic \
    --dump-features "$WORK/f_$task.csv"
  m="$WORK/o$n"
  n=$((n + 1))
  # shellcheck disable=SC2086
  expect_exit 0 -- "$PATRON" $task score $IN --model "$m" --out "$WORK/s$n.csv"
  # shellcheck disable=SC2086
  expect_exit 0 -- "$PATRON" $task score $IN --model "$m" --as-of 2025-12-01 --quiet \
    --out "$WORK/s$n.b.csv"
  # shellcheck disable=SC2086
  ok analyze $IN --churn-model "$m" --quiet
  # the score column comes after the default columns: they keep their positions
  case "$(head -1 "$WORK/o$n/profiles.csv")" in
    "$(head -1 "$WORK/o1/profiles.csv"),"*) ;;
    *) fail "--churn-model moved the default columns: $(head -1 "$WORK/o$n/profiles.csv")" ;;
  esac
  # shellcheck disable=SC2086
  ok analyze $IN --churn-model "$m" --k auto --no-clv
done

# --- gen and demo ---
for o in "--seed 2" "--end 2024-12-31 --years 2" "--r 0.5 --alpha 0.1 --s 0.8 --beta 0.4" \
  "--spend-sigma 0.2 --line-sigma 0.1" "--prospects 0.1 --refund-rate 0.05 --browse-rate 2" \
  "--no-events" "--orders-only" "--threads 1" "--quiet"; do
  # shellcheck disable=SC2086
  ok gen --customers 50 $o
done
ok demo --customers 200 --seed 3
for c in analyze gen demo clv repurchase cluster churn propensity; do
  expect_exit 0 -- "$PATRON" "$c" --help
done
echo "$n runs"
finish
