# Random combinations of every command's options on a small generated world, as a new user
# types them (tests/cli/option_sweep.py says what fails a run). The seed is fixed, so a
# failure replays; SWEEP_RUNS and SWEEP_SEED change the amount and the draw, SWEEP_LOG=FILE
# keeps every command line with its exit code and last line of stderr.
. "$(dirname "$0")/lib.sh"
w="$WORK/w"
expect_exit 0 -- "$PATRON" gen --customers 600 --seed 3 --out "$w" --quiet
in=(--orders "$w/orders.csv" --customers "$w/customers.csv" --events "$w/events.csv" --quiet)
expect_exit 0 -- "$PATRON" analyze "${in[@]}" --as-of 2025-11-01 --db "$w/s.db" --out "$w/a1"
expect_exit 0 -- "$PATRON" analyze "${in[@]}" --as-of 2025-12-01 --db "$w/s.db" --out "$w/a2"
expect_exit 0 -- "$PATRON" trigger init --out "$w/rules.json"
expect_exit 0 -- "$PATRON" plan init --out "$w/matrix.json"
expect_exit 0 -- "$PATRON" churn train "${in[@]}" --cutoff 2025-09-01 --horizon 60d \
  --learner logistic --out "$w/churn"
expect_exit 0 -- "$PATRON" clv fit --orders "$w/orders.csv" --quiet --out "$w/clv"
cut -d, -f1-5 "$w/clv/predictions.csv" >"$w/summary.csv"
expect_exit 0 -- "$PATRON" audience --orders "$w/orders.csv" --where "frequency >= 3" --quiet \
  --out "$w/seed.csv"
expect_exit 0 -- "$PATRON" experiment assign --ids "$w/seed.csv" --name e1 --quiet \
  --out "$w/assign.csv"
printf '%s\n' "big: monetary > 300" "browse: events('view', 30) >= 1" >"$w/tags.txt"
printf '%s\n' "x: recency_days > 1" >"$w/bad_rule.txt"
printf '%s\n' "hot: frequency between 2 and 4" >"$w/segs.txt"
printf '{"alerts": [{"metric": "revenue", "max_change": 0.1}]}\n' >"$w/alerts.json"
[ "$fails" -eq 0 ] || finish
/usr/bin/python3 "$(dirname "$0")/option_sweep.py" "$PATRON" "$w" "${SWEEP_RUNS:-80}" \
  "${SWEEP_SEED:-1}" || fail "the sweep found failures (above)"
finish
