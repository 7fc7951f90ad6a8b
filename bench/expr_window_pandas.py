"""The pandas side of bench/expr_window_bench.sh: the same windowed conditions as
bench/expr_window_bench.c (SPEC 6 definitions: windows as_of - D days <= t < as_of, a
purchase is an order with value > 0), computed with boolean masks and groupby over the
loaded frames (CSV loading not timed), best of R runs; prints the selected counts, which
must equal Patron's.
usage: expr_window_pandas.py DIR [R]"""
import sys
import time

import pandas as pd

d, reps = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
t0 = time.perf_counter()
o = pd.read_csv(f"{d}/orders.csv", usecols=["customer_id", "order_id", "order_time", "amount", "item_id"],
                dtype={"customer_id": "category", "order_id": str, "item_id": "category"},
                parse_dates=["order_time"])
e = pd.read_csv(f"{d}/events.csv", usecols=["customer_id", "event_time", "event_type", "item_id"],
                dtype={"customer_id": "category", "event_type": "category", "item_id": "category"},
                parse_dates=["event_time"])
T = o.order_time.max().normalize() + pd.Timedelta(days=1)
print(f"pandas loaded {len(o)} order rows, {len(e)} events in {time.perf_counter() - t0:.1f} s "
      f"(as of {T.date()}, not timed below; pandas {pd.__version__})")
day = pd.Timedelta(days=1)


def orders_in(days):
    return o[(o.order_time >= T - days * day) & (o.order_time < T)]


def purchases(days):
    w = orders_in(days)
    v = w.groupby(["customer_id", "order_id"], observed=True).amount.sum()
    return v[v > 0].groupby(level=0, observed=True).size()


def spend(days):
    return orders_in(days).groupby("customer_id", observed=True).amount.sum()


def views(days):
    w = e[(e.event_type == "view") & (e.event_time >= T - days * day) & (e.event_time < T)]
    return w.groupby("customer_id", observed=True).size()


def viewed_unbought(days, n):
    w = e[(e.event_type == "view") & e.item_id.notna() & (e.event_time >= T - days * day)
          & (e.event_time < T)]
    c = w.groupby(["customer_id", "item_id"], observed=True).size()
    c = c[c >= n].reset_index()[["customer_id", "item_id"]]
    b = orders_in(days)[["customer_id", "item_id"]].dropna().drop_duplicates()
    m = c.merge(b, on=["customer_id", "item_id"], how="left", indicator=True)
    return m[m._merge == "left_only"].customer_id.nunique()


def cart_abandoned(hours):
    carts = e[(e.event_type == "cart") & (e.event_time < T)]
    last = carts.groupby("customer_id", observed=True).event_time.max()
    last = last[last >= T - pd.Timedelta(hours=hours)]
    w = o[(o.order_time < T) & o.customer_id.isin(last.index)]
    v = w.groupby(["customer_id", "order_id"], observed=True).agg(t=("order_time", "min"),
                                                                   v=("amount", "sum"))
    v = v[v.v > 0].reset_index()
    v["cart"] = v.customer_id.map(last).astype("datetime64[ns]")
    bought = set(v[v.t >= v.cart].customer_id)
    return sum(1 for c in last.index if c not in bought)


def combined():
    v = views(7)
    p = purchases(30)
    v = v[v >= 3]
    return int((~v.index.isin(p[p > 0].index)).sum())


tests = [
    ("purchases(30) >= 1", lambda: int((purchases(30) >= 1).sum())),
    ("spend(90) > 500", lambda: int((spend(90) > 500).sum())),
    ("events('view', 7) >= 3", lambda: int((views(7) >= 3).sum())),
    ("items_viewed_unbought(30, 3) >= 1", lambda: viewed_unbought(30, 3)),
    ("cart_abandoned(48)", lambda: cart_abandoned(48)),
    ("events('view', 7) >= 3 and purchases(30) = 0", combined),
]
for name, fn in tests:
    best = float("inf")
    for _ in range(reps):
        s = time.perf_counter()
        n = fn()
        best = min(best, time.perf_counter() - s)
    print(f"pandas {name:46s} {n:8d} selected: {best:.3f} s (best of {reps})")
