"""What a user would otherwise write for SPEC 18's pair counts: pandas, the straightforward
way. Baskets are purchases (orders with value > 0); each basket's distinct items are
self-joined on the order to list every item pair, and the pairs are counted with groupby.
Prints the number of baskets, of distinct pairs and of pairs in >= 10 baskets, and the
seconds per step.

usage: recommend_pandas.py ORDERS_CSV"""
import sys
import time

import pandas as pd

t0 = time.time()
df = pd.read_csv(sys.argv[1], usecols=["customer_id", "order_id", "amount", "item_id"],
                 dtype={"customer_id": str, "order_id": str, "item_id": str})
t1 = time.time()
value = df.groupby(["customer_id", "order_id"])["amount"].transform("sum")
lines = df.loc[value > 0, ["customer_id", "order_id", "item_id"]].drop_duplicates()
lines["basket"] = lines.groupby(["customer_id", "order_id"]).ngroup()
lines = lines[["basket", "item_id"]]
pairs = lines.merge(lines, on="basket")
pairs = pairs[pairs["item_id_x"] < pairs["item_id_y"]]
counts = pairs.groupby(["item_id_x", "item_id_y"]).size()
t2 = time.time()
print(f"baskets {lines['basket'].nunique()} distinct pairs {len(counts)} "
      f"pairs >= 10 baskets {(counts >= 10).sum()}")
print(f"read {t1 - t0:.1f} s, pair counts {t2 - t1:.1f} s, total {t2 - t0:.1f} s")
