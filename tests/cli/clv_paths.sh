# CLV fits succeed or fail loudly (issue 8, section 2 item 5): a Gamma-Gamma with q <= 1
# leaves the spend columns empty and the run goes on (docs/CLV.md); analyze takes
# --penalizer, records the fitted models and their warnings in summary.json, and a CLV
# failure reaches stderr and summary.json even under --quiet.
. "$(dirname "$0")/lib.sh"
expect_exit 0 -- "$PATRON" gen --customers 300 --seed 5 --out "$WORK/w" --orders-only --quiet
O="$WORK/w/orders.csv"
# this world's Gamma-Gamma fit under a penalizer has q < 1 (infinite mean order value)
expect_exit 0 -- "$PATRON" clv fit --orders "$O" --penalizer 0.01 --range-sims 0 --quiet \
  --out "$WORK/gg"
expect_contains "$WORK/err" "warning: no spend model, CLV columns left empty: Gamma-Gamma q ="
expect_contains "$WORK/gg/model.json" '"spend": null'
# asked for explicitly, its failure is the run's
expect_exit 1 -- "$PATRON" clv fit --orders "$O" --penalizer 0.01 --spend gammagamma \
  --range-sims 0 --quiet --out "$WORK/gg2"
expect_contains "$WORK/err" "Gamma-Gamma q ="
grep -q "customer [0-9]" "$WORK/err" && fail "message names a row index: $(cat "$WORK/err")"

# analyze --penalizer; summary.json records the fitted CLV models
expect_exit 0 -- "$PATRON" analyze --orders "$O" --penalizer 0.001 --quiet --out "$WORK/a"
python3 - "$WORK/a/summary.json" <<'PY' || fail "summary.json lacks the CLV models"
import json, sys
s = json.load(open(sys.argv[1]))
p = s["clv"]["purchases"]
assert p["model"] == "mbgnbd" and p["penalizer"] == 0.001, p
assert set(p["params"]) == {"r", "alpha", "a", "b"}, p
assert isinstance(s["warnings"], list)
PY
expect_exit 2 -- "$PATRON" analyze --orders "$O" --penalizer -1 --out "$WORK/a2"

# no repeat purchase at all: CLV cannot be fitted; said on stderr and in summary.json
printf 'customer_id,order_id,order_time,amount\nA,1,2024-01-01,5\nB,2,2024-01-03,7\nC,3,2024-01-05,9\n' \
  > "$WORK/once.csv"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/once.csv" --quiet --out "$WORK/once"
expect_contains "$WORK/err" "warning: CLV columns left empty:"
expect_contains "$WORK/once/summary.json" "CLV columns left empty:"
finish
