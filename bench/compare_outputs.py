#!/usr/bin/python3
"""Cross-check of two `analyze` output directories (Patron's and bench/analyze_pandas.py's):
profiles.csv must agree cell for cell; segments.csv too, allowing one unit in the last printed
decimal for the averages and shares (Patron averages in long double, pandas in double).
Prints one verdict line, and on disagreement which columns differ and the first examples.

Usage: /usr/bin/python3 bench/compare_outputs.py PATRON_DIR PANDAS_DIR   (exit 0 = agree)
"""
import os
import sys

import pandas as pd


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def compare_profiles(a, b, problems):
    if list(a.columns) != list(b.columns):
        problems.append(f"profiles.csv columns differ: {list(a.columns)} vs {list(b.columns)}")
        return
    if len(a) != len(b) or not (a["customer_id"].values == b["customer_id"].values).all():
        ids_a, ids_b = set(a["customer_id"]), set(b["customer_id"])
        problems.append(f"profiles.csv rows differ: {len(a)} vs {len(b)} rows, "
                        f"{len(ids_a - ids_b)} ids only in the first, "
                        f"{len(ids_b - ids_a)} only in the second")
        a = a[a["customer_id"].isin(ids_b)].sort_values("customer_id").reset_index(drop=True)
        b = b[b["customer_id"].isin(ids_a)].sort_values("customer_id").reset_index(drop=True)
    for col in a.columns[1:]:
        diff = a[col].values != b[col].values
        if diff.any():
            i = diff.nonzero()[0][:3]
            examples = "; ".join(f"{a['customer_id'][k]}: {a[col][k]!r} vs {b[col][k]!r}"
                                 for k in i)
            problems.append(f"profiles.csv {col}: {int(diff.sum())} rows differ ({examples})")


def close(x, y, decimals):
    if x == y:
        return True
    if not x or not y:
        return False
    return abs(float(x) - float(y)) <= 1.01 * 10 ** -decimals


def compare_segments(a, b, problems):
    if a.shape != b.shape or not (a.iloc[:, :3].values == b.iloc[:, :3].values).all():
        problems.append("segments.csv: different segments or customer counts")
        return
    decimals = {"customer_share": 4, "revenue": 0, "revenue_share": 4,
                "avg_recency_days": 2, "avg_frequency": 2, "avg_monetary": 2}
    for col, d in decimals.items():
        for k in range(len(a)):
            x, y = a[col][k], b[col][k]
            if not (x == y if d == 0 else close(x, y, d)):
                problems.append(f"segments.csv {a['segmentation'][k]}/{a['segment'][k]} "
                                f"{col}: {x!r} vs {y!r}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    left, right = sys.argv[1:]
    problems = []
    compare_profiles(read(os.path.join(left, "profiles.csv")),
                     read(os.path.join(right, "profiles.csv")), problems)
    compare_segments(read(os.path.join(left, "segments.csv")),
                     read(os.path.join(right, "segments.csv")), problems)
    if problems:
        print("DISAGREE: " + f"{len(problems)} problem(s)")
        for p in problems[:20]:
            print("  " + p)
        sys.exit(1)
    print("AGREE: profiles.csv identical cell for cell, segments.csv within rounding")


if __name__ == "__main__":
    main()
