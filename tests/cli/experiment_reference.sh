# patron experiment against independent references (Debian's /usr/bin/python3 with scipy and
# statsmodels): an experiment generated with known effects (three arms, weights 50/25/25, a
# planted conversion and revenue lift in one arm, refunds, orders outside the window and
# in the pre-period); every figure of results.csv recomputed from the raw orders to 1e-6
# relative: Newcombe interval (statsmodels confint_proportions_2indep 'newcomb'), pooled z
# test (statsmodels proportions_ztest), Welch t test and interval (statsmodels CompareMeans,
# scipy ttest_ind), capping (numpy percentile), CUPED, SRM (scipy chisquare), Holm
# (statsmodels multipletests), delta-method lifts and the verdicts. Also `assign` against a
# Python implementation of GrowthBook's hash over UTF-16 code units, non-ASCII ids included.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c "import scipy, statsmodels, numpy" 2>/dev/null ||
  { echo "SKIP: $PY with scipy and statsmodels is not available"; exit 77; }

cat > "$WORK/gen.py" <<'PYEOF'
# A generated experiment: customers in arms by weight, orders before and in the window.
import sys, random
random.seed(int(sys.argv[2]))
out = sys.argv[1]
arms = [("control", 0.5), ("a", 0.25), ("b", 0.25)]
with open(out + "/assign.csv", "w") as fa, open(out + "/orders.csv", "w") as fo, \
        open(out + "/segments.csv", "w") as fs:
    fa.write("customer_id,arm,bucket\n")
    fs.write("customer_id,segment\n")
    fo.write("customer_id,order_id,order_time,amount\n")
    oid = 0
    for i in range(3000):
        cid = "K%05d" % i
        r = random.random()
        arm = "control" if r < 0.5 else ("a" if r < 0.75 else "b")
        fa.write("%s,%s,\n" % (cid, arm))
        if random.random() < 0.97:  # the rest are in no segment: "(none)"
            fs.write("%s,%s\n" % (cid, random.choice(["gold", "silver", "bronze", ""])))
        base = random.random() * 0.3
        boost = 0.06 if arm == "b" else 0.0
        for day in range(1, 31):  # pre-period: March 2026
            if random.random() < base / 10:
                oid += 1
                fo.write("%s,O%d,2026-03-%02d 10:00:00,%.2f\n" % (cid, oid, day, random.expovariate(1 / 40)))
        for day in range(1, 31):  # window: April 2026, and a row the day after
            if random.random() < (base + boost) / 8:
                oid += 1
                amt = random.expovariate(1 / (50 if arm == "b" else 40))
                fo.write("%s,O%d,2026-04-%02d 12:30:00,%.2f\n" % (cid, oid, day, amt))
                if random.random() < 0.05:  # a refund of the same order: same order_id
                    fo.write("%s,O%d,2026-04-%02d 12:30:00,-%.2f\n" % (cid, oid, day, amt / 2))
        if random.random() < 0.1:
            oid += 1
            fo.write("%s,O%d,2026-05-01 09:00:00,99.00\n" % (cid, oid))
            oid += 1
            fo.write("%s,O%d,2026-04-10 09:00:00,-15.00\n" % (cid, oid))
PYEOF

cat > "$WORK/ref.py" <<'PYEOF'
# Recomputes results.csv from the raw files with scipy/statsmodels and compares.
import sys, csv, math
import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW
from statsmodels.stats.multitest import multipletests

d, cap_p, cuped, alpha, min_lift = sys.argv[1], sys.argv[2], sys.argv[3] == "1", 0.05, 0.05
assign = list(csv.DictReader(open(d + "/assign.csv")))
present = {r["arm"] for r in assign}
arms = [a for a in ["control", "a", "b"] if a in present]  # the order of --arms
weights = {"control": 50, "a": 25, "b": 25}
orders = {}
for r in csv.DictReader(open(d + "/orders.csv")):
    key = (r["customer_id"], r["order_id"])
    t, v = orders.get(key, (r["order_time"], 0.0))
    orders[key] = (min(t, r["order_time"]), v + float(r["amount"]))
win = {r["customer_id"]: [0, 0.0, 0] for r in assign}
pre = {r["customer_id"]: [0, 0.0, 0] for r in assign}
for (c, o), (t, v) in orders.items():
    tgt = win if "2026-04-01" <= t < "2026-05-01" else (pre if "2026-01-01" <= t < "2026-04-01" else None)
    if tgt is None or c not in tgt:
        continue
    tgt[c][1] += v
    if v > 0:
        tgt[c][0] = 1
        tgt[c][2] += 1
ids = [r["customer_id"] for r in assign]
arm_of = np.array([r["arm"] for r in assign])
Y = {m: np.array([win[c][k] for c in ids], dtype=float) for k, m in enumerate(["conversion", "revenue", "orders"])}
X = {m: np.array([pre[c][k] for c in ids], dtype=float) for k, m in enumerate(["conversion", "revenue", "orders"])}
if cap_p != "none":
    Y["revenue"] = np.minimum(Y["revenue"], np.percentile(Y["revenue"], float(cap_p)))
    X["revenue"] = np.minimum(X["revenue"], np.percentile(X["revenue"], float(cap_p)))
if cuped:
    for m in ["revenue", "orders"]:
        theta = np.cov(Y[m], X[m], ddof=1)[0, 1] / np.var(X[m], ddof=1)
        Y[m] = Y[m] - theta * (X[m] - X[m].mean())
counts = np.array([np.sum(arm_of == a) for a in arms])
exp = np.array([weights[a] for a in arms], dtype=float)
srm = stats.chisquare(counts, exp / exp.sum() * counts.sum()).pvalue
z = stats.norm.ppf(1 - alpha / 2)
rows = []
for m in ["conversion", "revenue", "orders"]:
    for a in arms:
        if a == "control":
            continue
        t, c = Y[m][arm_of == a], Y[m][arm_of == "control"]
        if m == "conversion":
            lo, hi = confint_proportions_2indep(t.sum(), len(t), c.sum(), len(c), method="newcomb", compare="diff", alpha=alpha)
            p = proportions_ztest([t.sum(), c.sum()], [len(t), len(c)])[1]
        else:
            cm = CompareMeans(DescrStatsW(t), DescrStatsW(c))
            lo, hi = cm.tconfint_diff(alpha=alpha, usevar="unequal")
            p = stats.ttest_ind(t, c, equal_var=False).pvalue
        r = t.mean() / c.mean()
        se = math.sqrt(t.var(ddof=1) / len(t) / c.mean() ** 2 + r * r * c.var(ddof=1) / len(c) / c.mean() ** 2)
        rows.append(dict(metric=m, arm=a, n=len(t), control_n=len(c), value=t.mean(), control_value=c.mean(),
                         diff=t.mean() - c.mean(), diff_low=lo, diff_high=hi, lift=r - 1, lift_low=r - 1 - z * se,
                         lift_high=r - 1 + z * se, p_value=p, srm_p=srm))
adj = multipletests([r["p_value"] for r in rows], method="holm")[1]
for r, q in zip(rows, adj):
    r["p_adjusted"] = q
    r["verdict"] = ("invalid" if r["srm_p"] < 0.001 else "effective" if r["diff_low"] > 0 else
                    "harmful" if r["diff_high"] < 0 else "ineffective" if r["lift_high"] < min_lift else "inconclusive")
got = list(csv.DictReader(open(d + "/out/results.csv")))
bad = 0
if len(got) != len(rows):
    print("rows: got %d, want %d" % (len(got), len(rows))); sys.exit(1)
effective = set()
for g, w in zip(got, rows):
    for k, v in w.items():
        if isinstance(v, str):
            ok = g[k] == v
        else:
            gv = float(g[k])
            ok = abs(gv - v) <= 1e-6 * abs(v) + 1e-12
        if not ok:
            bad += 1
            print("%s %s %s: got %s, want %r" % (w["metric"], w["arm"], k, g[k], v))
    if g["experiment"] != "exp1":
        bad += 1; print("experiment column:", g["experiment"])
    if w["verdict"] == "effective":
        effective.add((w["metric"], w["arm"]))
if sys.argv[4] == "1" and ("conversion", "b") not in effective:
    bad += 1; print("the planted conversion effect in arm b is not found effective")
sys.exit(1 if bad else 0)
PYEOF

for seed in 1 2; do
  d="$WORK/s$seed"; mkdir -p "$d"
  $PY "$WORK/gen.py" "$d" "$seed" || fail "generator"
  expect_exit 0 -- "$PATRON" experiment evaluate --assignments "$d/assign.csv" --name exp1 \
    --arms control:50,a:25,b:25 --orders "$d/orders.csv" --start 2026-04-01 --out "$d/out"
  $PY "$WORK/ref.py" "$d" none 0 1 || fail "seed $seed plain: results differ from scipy/statsmodels"
  expect_exit 0 -- "$PATRON" experiment evaluate --assignments "$d/assign.csv" --name exp1 \
    --arms control:50,a:25,b:25 --orders "$d/orders.csv" --start 2026-04-01 --out "$d/out" \
    --cuped --pre-days 90 --cap-percentile 95
  $PY "$WORK/ref.py" "$d" 95 1 0 || fail "seed $seed cuped+cap: results differ from scipy/statsmodels"
done
expect_contains "$WORK/out" "b: +"

# stratified: each segment's rows equal an evaluation of that segment's customers alone
d="$WORK/s1"
expect_exit 0 -- "$PATRON" experiment evaluate --assignments "$d/assign.csv" --name exp1 \
  --arms control:50,a:25,b:25 --orders "$d/orders.csv" --start 2026-04-01 --out "$d/strata" \
  --segments "$d/segments.csv" --by segment
expect_contains "$WORK/out" "By segment"
for seg in gold silver bronze "(empty)" "(none)"; do
  sd="$WORK/seg-$seg"; mkdir -p "$sd/out"
  $PY - "$d" "$sd" "$seg" <<'PYEOF' || fail "cannot split segment $seg"
import csv, sys
d, sd, seg = sys.argv[1:4]
label = {r["customer_id"]: (r["segment"] or "(empty)") for r in csv.DictReader(open(d + "/segments.csv"))}
rows = [r for r in csv.DictReader(open(d + "/assign.csv")) if label.get(r["customer_id"], "(none)") == seg]
with open(sd + "/assign.csv", "w") as f:
    f.write("customer_id,arm,bucket\n")
    f.writelines("%s,%s,\n" % (r["customer_id"], r["arm"]) for r in rows)
got = [r for r in csv.DictReader(open(d + "/strata/results_by_segment.csv")) if r["segment"] == seg]
assert got and all(r["segmentation"] == "segment" for r in got)
cols = list(got[0].keys())[2:]
with open(sd + "/out/results.csv", "w") as f:
    w = csv.DictWriter(f, cols, extrasaction="ignore")
    w.writeheader()
    w.writerows(got)
PYEOF
  ln -sf "$d/orders.csv" "$sd/orders.csv"
  $PY "$WORK/ref.py" "$sd" none 0 0 || fail "segment $seg differs from scipy/statsmodels on its own customers"
done
expect_exit 2 -- "$PATRON" experiment evaluate --assignments "$d/assign.csv" --orders "$d/orders.csv" \
  --start 2026-04-01 --out "$d/x" --by segment

# assign: the GrowthBook hash (version 2) over UTF-16 code units, recomputed in Python.
printf 'customer_id\nC1\n"C,2"\n\xe5\xae\xa2\xe6\x88\xb7\nC1\n\xf0\x9f\x98\x80x\n17850.0\n' > "$WORK/ids.csv"
for i in $(seq 1 300); do echo "U$i"; done >> "$WORK/ids.csv"
expect_exit 0 -- "$PATRON" experiment assign --ids "$WORK/ids.csv" --name promo --salt s1 \
  --arms control:20,x:30,y:50 --out "$WORK/assign.csv"
$PY - "$WORK/ids.csv" "$WORK/assign.csv" <<'PYEOF' || fail "assign differs from the Python GrowthBook hash"
import sys, csv
def fnv(s):
    h, b = 2166136261, s.encode("utf-16-le")
    for i in range(0, len(b), 2):
        h = ((h ^ (b[i] | b[i + 1] << 8)) * 16777619) & 0xFFFFFFFF
    return h
ids = []
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["customer_id"] not in ids:
        ids.append(r["customer_id"])
got = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
assert [g["customer_id"] for g in got] == ids, "ids or their order differ"
for g in got:
    n = fnv(str(fnv("s1" + g["customer_id"]))) % 10000
    arm = "control" if n < 2000 else ("x" if n < 5000 else "y")
    assert int(g["bucket"]) == n and g["arm"] == arm, (g, n, arm)
PYEOF

# errors: usage and bad files
expect_exit 2 -- "$PATRON" experiment assign --ids "$WORK/ids.csv" --name p --arms control --out "$WORK/x.csv"
expect_contains "$WORK/err" "at least 2 arms"
expect_exit 2 -- "$PATRON" experiment evaluate --assignments "$WORK/assign.csv" --orders "$WORK/s1/orders.csv" --out "$WORK/o"
printf 'customer_id,arm\nA,control\nB,x\nA,x\n' > "$WORK/dup.csv"
expect_exit 1 -- "$PATRON" experiment evaluate --assignments "$WORK/dup.csv" --orders "$WORK/s1/orders.csv" --start 2026-04-01 --out "$WORK/o"
expect_contains "$WORK/err" "dup.csv:4: customer_id 'A' is assigned again (first on line 2)"
expect_exit 2 -- "$PATRON" experiment frobnicate
finish
