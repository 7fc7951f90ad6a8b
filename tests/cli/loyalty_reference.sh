# loyalty_score and `analyze --validate-loyalty` (SPEC 17) against an independent pandas /
# scipy / scikit-learn reference (Debian's /usr/bin/python3) on generated data: every
# customer's score (docs/PORTRAIT.md's formula from the raw orders) and the three time-split
# AUCs in summary.json.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c "import pandas, numpy, scipy, sklearn" 2>/dev/null ||
  { echo "SKIP: $PY with pandas, scipy and scikit-learn is not available"; exit 77; }
expect_exit 0 -- "$PATRON" gen --customers 1500 --seed 7 --out "$WORK/gen"
expect_exit 0 -- "$PATRON" analyze --orders "$WORK/gen/orders.csv" --as-of 2025-06-01 \
  --validate-loyalty 2025-03-01 --out "$WORK/a" --quiet
cat > "$WORK/ref.py" <<'PYEOF'
import sys, json
import numpy as np, pandas as pd
from scipy.stats import gamma
from sklearn.metrics import roc_auc_score

lines = pd.read_csv(sys.argv[1], dtype={"customer_id": str, "order_id": str})
lines["t"] = pd.to_datetime(lines.order_time)
orders = lines.groupby(["customer_id", "order_id"]).agg(v=("amount", "sum"), t=("t", "min"))
orders = orders[orders.v > 0].reset_index()
orders["day"] = (orders.t.dt.normalize() - pd.Timestamp("1970-01-01")).dt.days

def score(days, as_of):
    n = len(days)
    rec, ten = as_of - days[-1], as_of - days[0]
    m, cv = 365.0, 1.0
    if n >= 2:
        gaps = np.diff(days)
        m = gaps.mean()
        if n >= 3:
            cv = gaps.std(ddof=1) / m
    shape = np.clip(1 / cv**2 if cv > 0 else 16.0, 0.5, 16.0)
    on_cycle = gamma.sf(rec, shape, scale=m / shape)
    return ((1 - 1 / (n + 1)) * np.exp(-rec / 150) * (0.9 + 0.1 * on_cycle)
            * (0.75 + 0.25 / (1 + cv)) * (0.75 + 0.25 * ten / (ten + 365)))

def features(as_of):
    rows = {}
    for c, g in orders[orders.day < as_of].groupby("customer_id"):
        days = np.unique(g.day.values)
        rows[c] = (score(days, as_of), len(g), as_of - days[-1])
    return rows

day = lambda s: (pd.Timestamp(s) - pd.Timestamp("1970-01-01")).days
prof = pd.read_csv(sys.argv[2], dtype={"customer_id": str}).set_index("customer_id")
bad = 0
for c, (s, f, r) in features(day("2025-06-01")).items():
    got = prof.loyalty_score[c]
    if abs(got - round(s, 4)) > 1.5e-4:
        bad += 1
        print(f"loyalty_score {c}: patron {got}, reference {s:.4f}")
    want = "one_time" if f == 1 else "high" if got >= 0.6 else "medium" if got >= 0.3 else "low"
    if prof.loyalty[c] != want:
        bad += 1
        print(f"loyalty {c}: patron {prof.loyalty[c]}, reference {want}")
D = day("2025-03-01")
rows = {c: v for c, v in features(D).items() if v[1] >= 2}
buyers = set(orders[(orders.day >= D) & (orders.day < D + 180)].customer_id)
ids = sorted(rows)
y = [c in buyers for c in ids]
ref = {"auc_loyalty": roc_auc_score(y, [rows[c][0] for c in ids]),
       "auc_frequency": roc_auc_score(y, [rows[c][1] for c in ids]),
       "auc_recency": roc_auc_score(y, [-rows[c][2] for c in ids])}
v = json.load(open(sys.argv[3]))["loyalty_validation"]
if v["customers"] != len(ids) or v["buyers"] != sum(y):
    bad += 1
    print("counts", v, len(ids), sum(y))
for k, want in ref.items():
    if abs(v[k] - want) > 1.5e-4:
        bad += 1
        print(f"{k}: patron {v[k]}, reference {want:.4f}")
print("reference", {k: round(x, 4) for k, x in ref.items()}, "patron", v)
sys.exit(1 if bad else 0)
PYEOF
$PY "$WORK/ref.py" "$WORK/gen/orders.csv" "$WORK/a/profiles.csv" "$WORK/a/summary.json" ||
  fail "loyalty differs from the pandas reference"
echo PASS
