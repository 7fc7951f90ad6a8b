"""pandas boolean indexing for bench/audience_bench.c's 5-predicate audience on the same
profile.csv: loading is not timed, the selection is (best of R). Usage: DIR [REPS]."""
import sys
import time

import pandas as pd

d = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
p = pd.read_csv(f"{d}/profile.csv", dtype={"customer_id": str, "lifecycle": "category"})
best = float("inf")
for _ in range(reps):
    t0 = time.perf_counter()
    sel = p[(p.frequency >= 2) & (p.monetary > 500) & (p.recency_days <= 180)
            & p.lifecycle.isin(["active", "silent"]) & (p.p_alive > 0.5)]
    best = min(best, time.perf_counter() - t0)
print(f"pandas   {len(p)} customers, {len(sel)} selected: {best:.4f} s, best of {reps} "
      f"(pandas {pd.__version__})")
