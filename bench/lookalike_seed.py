"""Seed file for the lookalike evaluation (docs/LOOKALIKE.md): the customers with an order
in [AS_OF, AS_OF + DAYS) -- a future the lookalike model never sees, since it reads only
rows before AS_OF -- written as a CSV with a customer_id column.
usage: lookalike_seed.py ORDERS OUT AS_OF DAYS ID_COL TIME_COL [--cdnow]"""
import sys
import pandas as pd

orders, out, as_of, days, id_col, time_col = sys.argv[1:7]
if "--cdnow" in sys.argv:
    o = pd.read_csv(orders, sep=r"\s+", dtype={id_col: str, time_col: str})
    t = pd.to_datetime(o[time_col], format="%Y%m%d")
else:
    o = pd.read_csv(orders, usecols=[id_col, time_col], dtype={id_col: str})
    t = pd.to_datetime(o[time_col])
start = pd.Timestamp(as_of)
sel = o[(t >= start) & (t < start + pd.Timedelta(days=int(days)))][id_col].dropna()
ids = sorted(set(sel))
pd.DataFrame({"customer_id": ids}).to_csv(out, index=False)
print(f"{out}: {len(ids)} seed ids")
