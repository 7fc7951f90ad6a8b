"""pandas doing what `patron portrait` does (bench/portrait_bench.c), on the same
profiles.csv, customers.csv and orders.csv: per dimension the value counts of the base and of
each group with shares and TGI, category and brand spend in the 365-day window by group, and
the mean and quartiles of the metrics per group and for the base. Loading (read_csv, the
timestamp parse, the members join) is not timed; the group-bys are (best of R), for
`--by rfm_class` and for the audience `frequency >= 2 and monetary > 500`.
Usage: portrait_pandas.py DIR [REPS]"""
import sys
import time

import numpy as np
import pandas as pd

d = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
DIMS = ["gender", "age_band", "city", "level", "lifecycle", "rfm_class", "tier",
        "member_level", "price_band", "preferred_category", "preferred_brand",
        "preferred_channel", "promo_sensitivity", "loyalty", "stage"]
METRICS = ["recency_days", "frequency", "monetary", "avg_order_value", "clv_365d", "p_alive",
           "age"]

p = pd.read_csv(f"{d}/profiles.csv", dtype={c: "category" for c in DIMS} | {"customer_id": str})
m = pd.read_csv(f"{d}/customers.csv", usecols=["customer_id", "gender", "city", "level",
                                                "birth_date"],
                dtype={"customer_id": str, "gender": "category", "city": "category",
                       "level": "category"})
p = p.merge(m, on="customer_id", how="left")
lines = pd.read_csv(f"{d}/orders.csv", usecols=["customer_id", "order_time", "amount",
                                                 "category", "brand"],
                    dtype={"customer_id": str, "category": "category", "brand": "category"})
lines["t"] = pd.to_datetime(lines.order_time)
as_of = lines.t.max().normalize() + pd.Timedelta(days=1)
bd = pd.to_datetime(p.birth_date)
p["age"] = (as_of.year - bd.dt.year - ((bd.dt.month > as_of.month) |
                                       ((bd.dt.month == as_of.month) &
                                        (bd.dt.day > as_of.day)))).astype("Float64")
dims = [c for c in DIMS if c in p.columns]
metrics = [c for c in METRICS if c in p.columns]
cust_pos = pd.Series(np.arange(len(p)), index=p.customer_id)
lines["row"] = cust_pos.reindex(lines.customer_id).to_numpy()


def portrait(group):
    """group: a Series of group labels per profile row (NaN: in no group)."""
    out = []
    for dim in dims:
        base = p[dim].value_counts()
        grp = p.groupby(group, observed=True)[dim].value_counts()
        gshare = grp / grp.groupby(level=0).transform("sum")
        bshare = base / base.sum()
        out.append((100 * gshare / bshare.reindex(gshare.index.get_level_values(1)).to_numpy()))
    w = lines[(lines.t < as_of) & (lines.t >= as_of - pd.Timedelta(days=365)) & (lines.amount > 0)]
    g = group.to_numpy()[w.row.to_numpy()]
    for level in ["category", "brand"]:
        base = w.groupby(level, observed=True).amount.sum()
        spend = w.groupby([g, w[level]], observed=True).amount.sum()
        share = spend / spend.groupby(level=0).transform("sum")
        out.append(100 * share / (base / base.sum()).reindex(share.index.get_level_values(1)).to_numpy())
    q = p.groupby(group, observed=True)[metrics].quantile([0.25, 0.5, 0.75])
    mean = p.groupby(group, observed=True)[metrics].mean()
    allq = p[metrics].quantile([0.25, 0.5, 0.75])
    return sum(len(o) for o in out) + len(q) + len(mean) + len(allq)


def best(make_group):
    """Best wall seconds of R runs, and the CPU seconds of that run."""
    b, c, n = float("inf"), 0.0, 0
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        n = portrait(make_group())
        if time.perf_counter() - t0 < b:
            b, c = time.perf_counter() - t0, time.process_time() - c0
    return b, c, n


by, by_cpu, n_by = best(lambda: p.rfm_class)
wh, wh_cpu, n_wh = best(lambda: pd.Series(np.where((p.frequency >= 2) & (p.monetary > 500),
                                           "audience", None)))
print(f"pandas   --by rfm_class: {by:.4f} s wall, {by_cpu:.4f} s CPU ({n_by} figures), best of {reps} "
      f"(pandas {pd.__version__})")
print(f"pandas   --where \"frequency >= 2 and monetary > 500\": {wh:.4f} s wall, {wh_cpu:.4f} s CPU ({n_wh} figures), "
      f"best of {reps}")
