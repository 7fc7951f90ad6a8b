"""What a user would otherwise write for SPEC 18's pair counts: pandas, the straightforward
way. Baskets are purchases (orders with value > 0); each basket's distinct items are
self-joined on the basket to list every item pair, and the pairs are counted with groupby.
Items are read as a categorical and baskets numbered once (ngroup), so the self-join works on
integers: the lean version of the straightforward way, which fits 10M order lines in memory.
Prints the number of baskets, of distinct pairs and of pairs in >= 10 baskets, and the
seconds per step.

usage: recommend_pandas.py ORDERS_CSV"""
import sys
import time

import pandas as pd

t0 = time.time()
df = pd.read_csv(sys.argv[1], usecols=["customer_id", "order_id", "amount", "item_id"],
                 dtype={"customer_id": str, "order_id": str, "item_id": "category"})
t1 = time.time()
basket = df.groupby(["customer_id", "order_id"], sort=False).ngroup()
value = df["amount"].groupby(basket).transform("sum")
lines = pd.DataFrame({"basket": basket, "item": df["item_id"].cat.codes})[value > 0]
del df, basket, value
lines = lines[lines["item"] >= 0].drop_duplicates()
pairs = lines.merge(lines, on="basket")
pairs = pairs[pairs["item_x"] < pairs["item_y"]]
counts = pairs.groupby(["item_x", "item_y"]).size()
t2 = time.time()
print(f"baskets {lines['basket'].nunique()} distinct pairs {len(counts)} "
      f"pairs >= 10 baskets {(counts >= 10).sum()}")
print(f"read {t1 - t0:.1f} s, pair counts {t2 - t1:.1f} s, total {t2 - t0:.1f} s")
