#!/usr/bin/python3
"""The pandas comparison for `patron analyze` (bench/analyze_bench.sh): the same profiles.csv
and segments.csv from the same orders file, following SPEC.md sections 2-4 exactly.

A fair pandas implementation, not a strawman: only the four needed columns are read, with
dtype hints and no NA detection; every step is vectorized (factorized keys, hash groupbys,
ranks); money is kept in exact 1e-4 units (int64), as Patron does, so that sums, ties and
thresholds are exact. It assumes clean input (no rejected rows, as `patron gen` writes).

Usage: /usr/bin/python3 bench/analyze_pandas.py --orders FILE --out DIR [--as-of YYYY-MM-DD]
"""
import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

SCALE = 10000  # money units per currency unit (PATRON_MONEY_SCALE)
BINS = 5
NS_PER_S = 1_000_000_000

CLASSES = ["important_value", "important_develop", "important_keep", "important_retain",
           "general_value", "general_develop", "general_keep", "general_retain"]
SEGMENT_RULES = [  # name, r range, f range, m range (inclusive); first match wins
    ("champions", 4, 5, 4, 5, 4, 5), ("loyal_customers", 2, 5, 3, 5, 3, 5),
    ("potential_loyalist", 3, 5, 1, 3, 1, 3), ("new_customers", 4, 5, 1, 1, 1, 1),
    ("promising", 3, 4, 1, 1, 1, 1), ("need_attention", 2, 3, 2, 3, 2, 3),
    ("about_to_sleep", 2, 3, 1, 2, 1, 2), ("at_risk", 1, 2, 2, 5, 2, 5),
    ("cant_lose_them", 1, 1, 4, 5, 4, 5), ("hibernating", 1, 2, 1, 2, 1, 2),
]
SEGMENTS = [r[0] for r in SEGMENT_RULES] + ["others"]
QUADRANTS = ["best", "spender", "frequent", "uncertain"]
ABC = ["A", "B", "C"]
STAGES = ["prospect", "new", "active", "silent", "dormant", "churned"]
ABC_A_PCT, ABC_B_PCT = 15, 20
NEW_DAYS, ACTIVE_DAYS, SILENT_DAYS, DORMANT_DAYS = 30, 90, 180, 365


def read_orders(path):
    """customer_id, order_id (str), time (int64 seconds), amount (int64 1e-4 units)."""
    header = pd.read_csv(path, nrows=0).columns
    has_amount = "amount" in header
    money_cols = ["amount"] if has_amount else ["quantity", "unit_price"]
    df = pd.read_csv(path, usecols=["customer_id", "order_id", "order_time"] + money_cols,
                     dtype={"customer_id": str, "order_id": str, "order_time": str,
                            "amount": np.float64, "quantity": np.float64,
                            "unit_price": np.float64},
                     na_filter=False, engine="c")
    value = df["amount"].to_numpy() if has_amount else \
        df["quantity"].to_numpy() * df["unit_price"].to_numpy()
    # Exact for amounts with up to 4 decimals, like Patron's fixed-point parser.
    amount = np.rint(value * SCALE).astype(np.int64)
    # cache=False: timestamps are nearly all distinct, so the cache only costs (5x here).
    when = pd.to_datetime(df["order_time"], cache=False).to_numpy().view(np.int64) // NS_PER_S
    return df["customer_id"].to_numpy(), df["order_id"].to_numpy(), when, amount


def orders_table(cust, oid, when, amount):
    """One row per (customer, order): customer code, value (sum), time (min)."""
    c_codes, c_uniques = pd.factorize(cust, sort=False)
    o_codes, o_uniques = pd.factorize(oid, sort=False)
    n_o = len(o_uniques)
    rows = pd.DataFrame({"key": c_codes.astype(np.int64) * n_o + o_codes, "v": amount,
                         "t": when})
    orders = rows.groupby("key", sort=False).agg(v=("v", "sum"), t=("t", "min"))
    orders["c"] = orders.index.to_numpy() // n_o
    return orders, c_uniques


def money_div(total, n):
    """total / n on 1e-4 units, rounded half away from zero (Patron's money_div)."""
    q, r = np.divmod(np.abs(total), n)
    q = q + (2 * r >= n)
    return np.where(total < 0, -q, q)


def base_figures(orders, ids, as_of):
    """Per customer (rows sorted by id, byte order): the SPEC section 3 base figures."""
    order = np.argsort(ids, kind="stable")
    n_cust = len(ids)
    monetary = orders.groupby("c", sort=False)["v"].sum()
    buys = orders[orders["v"] > 0].groupby("c", sort=False)["t"].agg(["min", "max", "size"])
    p = pd.DataFrame(index=pd.RangeIndex(n_cust))
    p["id"] = ids
    p["monetary"] = monetary.reindex(p.index).to_numpy()
    p = p.join(buys)
    p = p.iloc[order].reset_index(drop=True)
    buyer = p["size"].notna().to_numpy()
    b = p[buyer]
    first = b["min"].to_numpy(np.int64) // 86400
    last = b["max"].to_numpy(np.int64) // 86400
    freq = b["size"].to_numpy(np.int64)
    mon = b["monetary"].to_numpy(np.int64)
    fig = pd.DataFrame({"first": first, "last": last, "recency": as_of - last,
                        "frequency": freq, "monetary": mon, "aov": money_div(mon, freq),
                        "tenure": as_of - first}, index=b.index)
    return p["id"].to_numpy(), buyer, fig


def score(values, larger_is_worse):
    """1 + floor(BINS * L / n), L = number strictly smaller (larger when worse)."""
    s = pd.Series(values)
    below = s.rank(method="min", ascending=not larger_is_worse).to_numpy(np.int64) - 1
    return 1 + (BINS * below) // len(values)


def high(values, ge=True):
    """values >= mean (or <= mean), compared exactly on integers: v * n vs sum."""
    n, total = len(values), int(values.sum())
    return values * n >= total if ge else values * n <= total


def segmentations(fig):
    """Scores, rfm_cell/score, rfm_class, segment, value_quadrant, abc_class, lifecycle."""
    rec, freq, mon = (fig[k].to_numpy() for k in ("recency", "frequency", "monetary"))
    r, f, m = score(rec, True), score(freq, False), score(mon, False)
    fig["r"], fig["f"], fig["m"] = r, f, m
    fig["cell"], fig["rfm"] = r * 100 + f * 10 + m, r + f + m
    r_hi, f_hi, m_hi = high(rec, ge=False), high(freq), high(mon)
    fig["cls"] = np.where(m_hi, 0, 4) + np.where(r_hi, np.where(f_hi, 0, 1), np.where(f_hi, 2, 3))
    conds = [(r >= r0) & (r <= r1) & (f >= f0) & (f <= f1) & (m >= m0) & (m <= m1)
             for _, r0, r1, f0, f1, m0, m1 in SEGMENT_RULES]
    fig["seg"] = np.select(conds, range(len(SEGMENT_RULES)), len(SEGMENT_RULES))
    a_hi = high(fig["aov"].to_numpy())
    fig["quad"] = np.where(f_hi, np.where(a_hi, 0, 2), np.where(a_hi, 1, 3))
    n = len(mon)
    rank = np.empty(n, np.int64)  # rows are in id order: a stable sort breaks ties by id
    rank[np.argsort(-mon, kind="stable")] = np.arange(n)
    a = (ABC_A_PCT * n + 99) // 100
    b = a + (ABC_B_PCT * n + 99) // 100
    fig["abc"] = np.where(rank < a, 0, np.where(rank < b, 1, 2))
    ten = fig["tenure"].to_numpy()
    fig["stage"] = np.select([ten <= NEW_DAYS, rec <= ACTIVE_DAYS, rec <= SILENT_DAYS,
                              rec <= DORMANT_DAYS], [1, 2, 3, 4], 5)


def cents(units):
    """1e-4 units to currency, rounded half away from zero at 2 decimals (printed %.2f)."""
    c = (np.abs(units) + SCALE // 200) // (SCALE // 100)
    return np.where(units < 0, -c, c) / 100.0


def expand(fig, col, n_rows, dtype):
    """A purchasers' column over all rows, NA (or code -1) for prospects."""
    if dtype == "code":
        out = np.full(n_rows, -1, np.int64)
        out[fig.index] = fig[col].to_numpy()
        return out
    return pd.Series(fig[col].to_numpy(), index=fig.index).reindex(range(n_rows))


def profile_frame(ids, fig):
    n = len(ids)
    out = pd.DataFrame({"customer_id": ids})
    for name, col in (("first_purchase", "first"), ("last_purchase", "last")):
        days = np.full(n, np.datetime64("NaT"), "datetime64[ns]")
        days[fig.index] = fig[col].to_numpy().astype("datetime64[D]")
        out[name] = days  # to_csv prints midnight-only datetimes as YYYY-MM-DD, NaT as ""
    ints = {"recency_days": "recency", "frequency": "frequency", "tenure_days": "tenure",
            "r_score": "r", "f_score": "f", "m_score": "m", "rfm_cell": "cell",
            "rfm_score": "rfm"}
    for name, col in ints.items():
        out[name] = expand(fig, col, n, "int").astype("Int64")
    out["monetary"] = cents(expand(fig, "monetary", n, "int"))
    out["avg_order_value"] = cents(expand(fig, "aov", n, "int"))
    for name, col, labels in (("rfm_class", "cls", CLASSES), ("segment", "seg", SEGMENTS),
                              ("value_quadrant", "quad", QUADRANTS), ("abc_class", "abc", ABC)):
        out[name] = pd.Categorical.from_codes(expand(fig, col, n, "code"), labels)
    stage = np.zeros(n, np.int64)
    stage[fig.index] = fig["stage"].to_numpy()
    out["lifecycle"] = pd.Categorical.from_codes(stage, STAGES)
    return out[["customer_id", "first_purchase", "last_purchase", "recency_days", "frequency",
                "monetary", "avg_order_value", "tenure_days", "r_score", "f_score", "m_score",
                "rfm_cell", "rfm_score", "rfm_class", "segment", "value_quadrant", "abc_class",
                "lifecycle"]]


def fmt(v, decimals):
    return "" if pd.isna(v) or not np.isfinite(v) else f"{float(v):.{decimals}f}"


def segment_rows(prof, units):
    """segments.csv rows: per segmentation and label, as in Patron's segment report."""
    rows = []
    rec, freq = prof["recency_days"], prof["frequency"]
    for seg in ("rfm_class", "segment", "value_quadrant", "abc_class", "lifecycle"):
        codes = prof[seg]
        total = int(codes.notna().sum())
        g = pd.DataFrame({"k": codes, "rec": rec, "freq": freq, "mon": units}).groupby(
            "k", observed=False)
        count, rev = g.size(), g["mon"].sum(min_count=0)
        mean_rec, mean_freq, mean_mon = g["rec"].mean(), g["freq"].mean(), g["mon"].mean()
        revenue = float(rev.sum())
        for label in codes.cat.categories:
            share = count[label] / total if total else np.nan
            rshare = rev[label] / revenue if revenue != 0 else np.nan
            rows.append(f"{seg},{label},{count[label]},{fmt(share, 4)},"
                        f"{cents(np.array([int(rev[label])]))[0]:.2f},{fmt(rshare, 4)},"
                        f"{fmt(mean_rec[label], 2)},{fmt(mean_freq[label], 2)},"
                        f"{fmt(mean_mon[label] / SCALE, 2)}")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--as-of", help="YYYY-MM-DD (default: the day after the latest order)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    cust, oid, when, amount = read_orders(args.orders)
    t_load = time.perf_counter()
    if args.as_of:
        as_of = int(np.datetime64(args.as_of, "D").astype(np.int64))
    else:
        as_of = int(when.max() // 86400) + 1
    keep = when < as_of * 86400
    if not keep.all():
        cust, oid, when, amount = cust[keep], oid[keep], when[keep], amount[keep]
    orders, ids = orders_table(cust, oid, when, amount)
    del cust, oid, when, amount
    ids, buyer, fig = base_figures(orders, np.asarray(ids, dtype=object), as_of)
    segmentations(fig)
    prof = profile_frame(ids, fig)
    t_profile = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    prof.to_csv(os.path.join(args.out, "profiles.csv"), index=False, na_rep="",
                float_format="%.2f", lineterminator="\n")
    units = expand(fig, "monetary", len(ids), "int")
    header = ("segmentation,segment,customers,customer_share,revenue,revenue_share,"
              "avg_recency_days,avg_frequency,avg_monetary\n")
    with open(os.path.join(args.out, "segments.csv"), "w", encoding="utf-8") as f:
        f.write(header + "\n".join(segment_rows(prof, units)) + "\n")
    t_end = time.perf_counter()
    print(f"pandas: {len(keep)} rows, {len(ids)} customers ({int(buyer.sum())} purchasers), "
          f"as of {np.datetime64(as_of, 'D')}; load {t_load - t0:.2f} s, "
          f"profile {t_profile - t_load:.2f} s, write {t_end - t_profile:.2f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
