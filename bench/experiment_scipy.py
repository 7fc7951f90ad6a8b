#!/usr/bin/env python3
"""The pandas + scipy/statsmodels equivalent of `patron experiment evaluate` (no CUPED, no
capping): per assigned customer, conversion, revenue and orders over [start, start + window)
from the raw order lines, then each arm against control with the SPEC section 12 statistics.
Writes results.csv with Patron's columns, for timing and for the cross-check
(bench/experiment_bench.sh)."""
import argparse, math, os, time
import numpy as np, pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW
from statsmodels.stats.multitest import multipletests

ap = argparse.ArgumentParser()
ap.add_argument("--assignments", required=True)
ap.add_argument("--orders", required=True)
ap.add_argument("--start", required=True)
ap.add_argument("--window", type=int, default=30)
ap.add_argument("--alpha", type=float, default=0.05)
ap.add_argument("--min-lift", type=float, default=0.05)
ap.add_argument("--out", required=True)
a = ap.parse_args()
t0 = time.time()
asg = pd.read_csv(a.assignments, dtype={"customer_id": str, "arm": str}, usecols=["customer_id", "arm"])
o = pd.read_csv(a.orders, usecols=["customer_id", "order_id", "order_time", "amount"],
                dtype={"customer_id": str, "order_id": str, "order_time": str, "amount": float})
t1 = time.time()
end = (pd.Timestamp(a.start) + pd.Timedelta(days=a.window)).strftime("%Y-%m-%d")
o = o[(o["order_time"] >= a.start) & (o["order_time"] < end)]
orders = o.groupby(["customer_id", "order_id"], sort=False)["amount"].sum().reset_index()
orders["purchase"] = orders["amount"] > 0
per = orders.groupby("customer_id").agg(revenue=("amount", "sum"), orders=("purchase", "sum"))
per["conversion"] = (per["orders"] > 0).astype(float)
d = asg.join(per, on="customer_id").fillna({"revenue": 0.0, "orders": 0.0, "conversion": 0.0})
arms = list(dict.fromkeys(d["arm"]))
control = "control" if "control" in arms else arms[0]
counts = d["arm"].value_counts().reindex(arms).to_numpy()
srm = stats.chisquare(counts).pvalue
z = stats.norm.ppf(1 - a.alpha / 2)
rows = []
for m in ["conversion", "revenue", "orders"]:
    c = d.loc[d["arm"] == control, m].to_numpy(float)
    for arm in arms:
        if arm == control:
            continue
        t = d.loc[d["arm"] == arm, m].to_numpy(float)
        if m == "conversion":
            lo, hi = confint_proportions_2indep(t.sum(), len(t), c.sum(), len(c), method="newcomb",
                                                compare="diff", alpha=a.alpha)
            p = proportions_ztest([t.sum(), c.sum()], [len(t), len(c)])[1]
        else:
            lo, hi = CompareMeans(DescrStatsW(t), DescrStatsW(c)).tconfint_diff(alpha=a.alpha, usevar="unequal")
            p = stats.ttest_ind(t, c, equal_var=False).pvalue
        r = t.mean() / c.mean()
        se = math.sqrt(t.var(ddof=1) / len(t) / c.mean() ** 2 + r * r * c.var(ddof=1) / len(c) / c.mean() ** 2)
        rows.append(dict(experiment="bench", metric=m, arm=arm, n=len(t), control_n=len(c), value=t.mean(),
                         control_value=c.mean(), diff=t.mean() - c.mean(), diff_low=lo, diff_high=hi,
                         lift=r - 1, lift_low=r - 1 - z * se, lift_high=r - 1 + z * se, p_value=p, srm_p=srm))
adj = multipletests([r["p_value"] for r in rows], method="holm")[1] if len(rows) > 1 else [rows[0]["p_value"]]
for r, q in zip(rows, adj):
    r["p_adjusted"] = q
    r["verdict"] = ("invalid" if srm < 0.001 else "effective" if r["diff_low"] > 0 else
                    "harmful" if r["diff_high"] < 0 else "ineffective" if r["lift_high"] < a.min_lift
                    else "inconclusive")
os.makedirs(a.out, exist_ok=True)
cols = ["experiment", "metric", "arm", "n", "control_n", "value", "control_value", "diff", "diff_low",
        "diff_high", "lift", "lift_low", "lift_high", "p_value", "p_adjusted", "srm_p", "verdict"]
pd.DataFrame(rows)[cols].to_csv(os.path.join(a.out, "results.csv"), index=False, float_format="%.17g")
print(f"read {t1 - t0:.2f} s, compute {time.time() - t1:.2f} s")
