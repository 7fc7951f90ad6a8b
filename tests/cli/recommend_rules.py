"""Independent reference for `patron recommend` rules.csv (SPEC section 18): baskets,
itemset counts, support, confidence, lift and the order, computed with pandas and
itertools by brute force, compared with Patron's file row by row.

usage: recommend_rules.py ORDERS RULES_CSV LEVEL_COLUMN MIN_SUPPORT MIN_CONFIDENCE
       [customer_col order_col time_col amount_col|-]   (SPEC defaults otherwise)
Amounts: the amount column, or quantity x unit_price when amount_col is '-'."""
import itertools
import sys
from collections import Counter
from fractions import Fraction

import pandas as pd

orders, rules_path, level, min_support, min_conf = sys.argv[1:6]
min_support, min_conf = int(min_support), float(min_conf)
cust, oid, tcol, acol = (sys.argv[6:10] if len(sys.argv) > 6
                         else ["customer_id", "order_id", "order_time", "amount"])

df = pd.read_csv(orders, dtype=str, keep_default_na=False)
df = df[(df[cust] != "") & (df[oid] != "")]  # Patron rejects these rows
if acol == "-":
    value = df["Quantity"].astype(float) * df["UnitPrice"].astype(float)
else:
    value = df[acol].astype(float)
df = df.assign(_v=value)
as_of = (pd.to_datetime(df[tcol]).max().normalize() + pd.Timedelta(days=1))
df = df[pd.to_datetime(df[tcol]) < as_of]
order_value = df.groupby([cust, oid])["_v"].sum()
purchases = set(order_value[order_value > 1e-9].index)
df = df[[k in purchases for k in zip(df[cust], df[oid])]]
df = df[df[level] != ""]
baskets = [sorted(set(g[level])) for _, g in df.groupby([cust, oid])]
n = len(baskets)

# Apriori-pruned brute force: a set can reach min_support only if its subsets do.
count = Counter((v,) for b in baskets for v in b)
frequent = {v for (v,), c in count.items() if c >= min_support}
for b in baskets:
    for s in itertools.combinations([v for v in b if v in frequent], 2):
        count[s] += 1  # b is sorted, so tuples are in byte order
for b in baskets:
    f = [v for v in b if v in frequent]
    for s in itertools.combinations(f, 3):
        if all(count[p] >= min_support for p in itertools.combinations(s, 2)):
            count[s] += 1

rules = []
for s, c in count.items():
    if len(s) < 2 or c < min_support:
        continue
    for cons in s:
        ant = tuple(x for x in s if x != cons)
        if Fraction(c, count[ant]) < Fraction(min_conf).limit_denominator(10**9):
            continue
        lift = Fraction(c * n, count[ant] * count[(cons,)])
        rules.append(("|".join(ant), cons, c, count[ant], count[(cons,)], lift))

rules.sort(key=lambda r: (-r[5], -r[2], r[0].encode(), r[1].encode()))

got = pd.read_csv(rules_path, dtype={"antecedent": str, "consequent": str},
                  keep_default_na=False)
errors = 0
if len(got) != len(rules):
    print(f"rules: patron {len(got)}, reference {len(rules)}")
    errors += 1


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


for i, (row, ref) in enumerate(zip(got.itertuples(index=False), rules)):
    ant, cons, c, ca, cc, lift = ref
    want = (ant, cons, c / n, c / ca, float(lift), c)
    have = (row.antecedent, row.consequent, row.support, row.confidence, row.lift, row.orders)
    ok = have[0] == want[0] and have[1] == want[1] and have[5] == want[5] and all(
        close(have[k], want[k]) for k in (2, 3, 4))
    if not ok:
        print(f"row {i + 2}: patron {have} reference {want}")
        errors += 1
        if errors > 10:
            break
# at least 7 significant digits in every printed figure
for col in ("support", "confidence", "lift"):
    text = pd.read_csv(rules_path, dtype=str)[col]
    short = [t for t in text if len(t.replace(".", "").lstrip("0")) < 7]
    if short:
        print(f"{col}: fewer than 7 significant digits, e.g. {short[0]}")
        errors += 1
print(f"{len(rules)} rules over {n} baskets checked; {errors} problem(s)")
sys.exit(1 if errors else 0)
