# patron clv fit/predict --model bgbb: a recency/frequency table simulated by the BG/BB story
# is fitted, and the parameters and log-likelihood match an independent scipy maximum
# likelihood (Fader, Hardie & Shang 2010's likelihood written with scipy.special.betaln);
# p_alive and the expected transactions match scipy's formulas; predict with the saved model
# gives the fit's predictions; per-customer rows (ids, no weights) give the same fit as their
# weighted patterns; the donations table reproduces the published fit when present; bad
# tables fail with file and line (exit 1), usage errors exit 2.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
"$PY" -c "import scipy, numpy" 2>/dev/null || { echo "SKIP: $PY with scipy absent"; exit 77; }

"$PY" - "$WORK" <<'PYEOF'
import sys, numpy as np
rng = np.random.default_rng(5)
a, b, g, d, n, N = 0.9, 1.4, 0.6, 2.5, 7, 4000
p = rng.beta(a, b, N); th = rng.beta(g, d, N)
rows = []
for i in range(N):
    x = tx = 0
    for t in range(1, n + 1):
        if rng.random() < th[i]: break
        if rng.random() < p[i]: x += 1; tx = t
    rows.append((x, tx))
with open(sys.argv[1] + "/people.csv", "w") as f:
    f.write("customer_id,frequency,recency,periods\n")
    for i, (x, tx) in enumerate(rows):
        f.write(f"c{i},{x},{tx},{n}\n")
from collections import Counter
with open(sys.argv[1] + "/patterns.csv", "w") as f:
    f.write("frequency,recency,periods,weights\n")
    for (x, tx), w in sorted(Counter(rows).items()):
        f.write(f"{x},{tx},{n},{w}\n")
PYEOF

expect_exit 0 -- "$PATRON" clv fit --model bgbb --summary "$WORK/patterns.csv" --out "$WORK/fit"
expect_contains "$WORK/out" "4000 customers"
[ -s "$WORK/fit/model.json" ] || fail "missing model.json"
expect_contains "$WORK/fit/model.json" '"model": "bgbb"'
expect_contains "$WORK/fit/predictions.csv" "frequency,recency,periods,weights,p_alive,exp_transactions_next_5"

# the independent reference: scipy's MLE and formulas on the same table
"$PY" - "$WORK" <<'PYEOF' >"$WORK/ref.out" 2>&1 || fail "scipy reference: $(cat "$WORK/ref.out")"
import sys, json, csv, numpy as np
from scipy.special import betaln
from scipy.optimize import minimize
w = sys.argv[1]
rows = [tuple(float(v) for v in r) for r in csv.reader(open(w + "/patterns.csv")) if r[0] != "frequency"]
def ll_row(a, b, g, d, x, tx, n):
    terms = [betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n) - betaln(g, d)]
    for i in range(int(n - tx)):
        terms.append(betaln(a + x, b + tx - x + i) - betaln(a, b) + betaln(g + 1, d + tx + i) - betaln(g, d))
    return np.logaddexp.reduce(terms)
def nll(e):
    a, b, g, d = np.exp(e)
    return -sum(wt * ll_row(a, b, g, d, x, tx, n) for x, tx, n, wt in rows)
best = minimize(nll, np.zeros(4), method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 20000, "maxfev": 40000})
ref = np.exp(best.x)
m = json.load(open(w + "/fit/model.json"))["purchases"]
got = [m["params"][k] for k in ("alpha", "beta", "gamma", "delta")]
ok = True
for k, r, v in zip(("alpha", "beta", "gamma", "delta"), ref, got):
    if abs(v - r) > 2e-3 * r: print(f"{k}: patron {v} scipy {r}"); ok = False
if abs(m["log_likelihood"] + best.fun) > 1e-3: print(f"LL patron {m['log_likelihood']} scipy {-best.fun}"); ok = False
a, b, g, d = got
for r in csv.DictReader(open(w + "/fit/predictions.csv")):
    x, tx, n = float(r["frequency"]), float(r["recency"]), float(r["periods"])
    L = np.exp(ll_row(a, b, g, d, x, tx, n))
    pa = np.exp(betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n + 1) - betaln(g, d)) / L
    e = sum(np.exp(betaln(a + x + 1, b + n - x) - betaln(a, b) + betaln(g, d + n + s) - betaln(g, d)) for s in range(1, 6)) / L
    if abs(pa - float(r["p_alive"])) > 2e-6 or abs(e - float(r["exp_transactions_next_5"])) > 2e-6:
        print("prediction", r, pa, e); ok = False
sys.exit(0 if ok else 1)
PYEOF

# predict with the saved model reproduces the fit's predictions
expect_exit 0 -- "$PATRON" clv predict --model "$WORK/fit/model.json" --summary "$WORK/patterns.csv" \
  --quiet --out "$WORK/pred"
expect_same "$WORK/pred/predictions.csv" "$WORK/fit/predictions.csv"
[ -e "$WORK/pred/model.json" ] && fail "predict wrote a model.json"

# one row per customer with ids: the same fit, predictions keyed by customer_id
expect_exit 0 -- "$PATRON" clv fit --model bgbb --summary "$WORK/people.csv" --horizon 3 --out "$WORK/people"
expect_contains "$WORK/people/predictions.csv" "customer_id,frequency,recency,periods,p_alive,exp_transactions_next_3"
[ "$(wc -l <"$WORK/people/predictions.csv")" = 4001 ] || fail "people predictions rows"
ll() { sed -n 's/.*"log_likelihood": \([-0-9.e]*\).*/\1/p' "$1" | head -1; }
awk -v a="$(ll "$WORK/fit/model.json")" -v b="$(ll "$WORK/people/model.json")" \
  'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' || fail "weighted and per-customer LL differ"

# the published donations fit (Fader, Hardie & Shang 2010)
DON="${SHARED_DATA:-}/donations/donations.csv"
if [ -r "$DON" ]; then
  expect_exit 0 -- "$PATRON" clv fit --model bgbb --summary "$DON" --out "$WORK/don"
  expect_contains "$WORK/out" "alpha=1.2035 (se 0.0694) beta=0.7497 (se 0.0294) gamma=0.6567 (se 0.0510) delta=2.7834"
  expect_contains "$WORK/out" "LL -33225.581"
  expect_contains "$WORK/out" "12884.2 transactions over the next 5 opportunities"
fi

# from transactions: a period with a purchase (value > 0) is a transaction, the first is
# the birth, n runs to the calibration end's period (hand-computed)
cat >"$WORK/orders.csv" <<'CSV'
customer_id,order_id,order_time,amount
a,1,2019-03-01,10
a,2,2019-11-01,10
a,3,2021-05-01,5
b,4,2020-01-01,3
c,5,2019-01-01,0
c,6,2022-02-01,7
d,7,2023-06-01,1
e,8,2024-01-01,5
e,9,2024-01-07,5
e,10,2024-01-08,5
f,11,2024-01-10,5
CSV
expect_exit 0 -- "$PATRON" clv fit --model bgbb --orders "$WORK/orders.csv" --period year \
  --calibration-end 2022-12-31 --quiet --out "$WORK/years"
cut -d, -f1-4 "$WORK/years/predictions.csv" >"$WORK/years.got"
printf 'customer_id,frequency,recency,periods\na,1,2,3\nb,0,0,2\nc,0,0,0\n' >"$WORK/years.want"
expect_same "$WORK/years.got" "$WORK/years.want"
expect_exit 0 -- "$PATRON" clv fit --model bgbb --orders "$WORK/orders.csv" --period month --penalizer 0.01 \
  --calibration-end 2022-12-31 --quiet --out "$WORK/months"
expect_contains "$WORK/months/predictions.csv" "a,2,26,45,"
expect_contains "$WORK/months/predictions.csv" "b,0,0,35,"
expect_contains "$WORK/months/predictions.csv" "c,0,0,10,"
# ISO weeks run Monday to Sunday: 2024-01-01 and -07 are one week, -08 the next
expect_exit 0 -- "$PATRON" clv fit --model bgbb --orders "$WORK/orders.csv" --period week \
  --as-of 2024-01-22 --quiet --out "$WORK/weeks"
expect_contains "$WORK/weeks/predictions.csv" "e,1,1,2,"
expect_contains "$WORK/weeks/predictions.csv" "f,0,0,1,"
expect_exit 2 -- "$PATRON" clv fit --model bgbb --orders "$WORK/orders.csv" --out "$WORK/u"
expect_contains "$WORK/err" "needs --period"
expect_exit 2 -- "$PATRON" clv fit --model bgbb --orders "$WORK/orders.csv" --period fortnight --out "$WORK/u"

# bad tables: file and line
printf 'frequency,recency,periods\n1,2,6\n3,2,6\n' >"$WORK/bad1.csv"
expect_exit 1 -- "$PATRON" clv fit --model bgbb --summary "$WORK/bad1.csv" --out "$WORK/bad"
expect_contains "$WORK/err" "bad1.csv:3: frequency is greater than recency"
printf 'frequency,recency,periods\n2,7,6\n' >"$WORK/bad2.csv"
expect_exit 1 -- "$PATRON" clv fit --model bgbb --summary "$WORK/bad2.csv" --out "$WORK/bad"
expect_contains "$WORK/err" "bad2.csv:2: recency is greater than periods"
printf 'frequency,recency,periods,weights\n1,1,6,-2\n' >"$WORK/bad3.csv"
expect_exit 1 -- "$PATRON" clv fit --model bgbb --summary "$WORK/bad3.csv" --out "$WORK/bad"
expect_contains "$WORK/err" "bad3.csv:2: weight must be a finite number >= 0"
printf 'frequency,recency,periods\n1,1.5,6\n' >"$WORK/bad4.csv"
expect_exit 1 -- "$PATRON" clv fit --model bgbb --summary "$WORK/bad4.csv" --out "$WORK/bad"
expect_contains "$WORK/err" "bad4.csv:2: frequency, recency and periods must be whole numbers"
printf 'frequency,recency,T\n1,1,6\n' >"$WORK/bad5.csv"
expect_exit 1 -- "$PATRON" clv fit --model bgbb --summary "$WORK/bad5.csv" --out "$WORK/bad"
expect_contains "$WORK/err" "bad5.csv:1: a BG/BB table needs the columns frequency, recency and periods"
printf 'frequency,recency,periods\n0,0,6\n0,0,6\n' >"$WORK/none.csv"
expect_exit 1 -- "$PATRON" clv fit --model bgbb --summary "$WORK/none.csv" --out "$WORK/bad"
expect_contains "$WORK/err" "no customer made a repeat purchase"

# usage errors
expect_exit 2 -- "$PATRON" clv fit --model bgbb --summary "$WORK/patterns.csv" --period year --out "$WORK/u"
expect_exit 2 -- "$PATRON" clv fit --model bgbb --summary "$WORK/patterns.csv"
expect_exit 2 -- "$PATRON" clv fit --model bgbb --summary "$WORK/patterns.csv" --out "$WORK/u" --horizon -1
# the continuous-time commands refuse bgbb
expect_exit 2 -- "$PATRON" clv fit --model=bgbbx --summary "$WORK/patterns.csv" --out "$WORK/u"
finish
