"""BG/BB reference for bench/bgbb_bench.sh: what a user would otherwise run. Generates a
simulated per-customer table (customer_id,frequency,recency,periods; BG/BB story, periods
1..10 by birth cohort) with `gen OUT N SEED`, or fits one with `fit FILE`: pandas reads it,
groups the rows into (x, t_x, n) patterns and scipy minimises the weighted negative
log-likelihood of Fader, Hardie & Shang (2010) (scipy.special.betaln, L-BFGS-B on log
parameters, as lifetimes' BetaGeoBetaBinomFitter does)."""
import sys
import time

import numpy as np


def gen(path, n, seed):
    rng = np.random.default_rng(seed)
    a, b, g, d = 1.2, 0.75, 0.66, 2.8
    p = rng.beta(a, b, n)
    th = rng.beta(g, d, n)
    periods = rng.integers(1, 11, n)
    x = np.zeros(n, dtype=np.int64)
    tx = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    for t in range(1, 11):
        alive &= (t <= periods) & (rng.random(n) >= th)
        buy = alive & (rng.random(n) < p)
        x += buy
        tx[buy] = t
    with open(path, "w") as f:
        f.write("customer_id,frequency,recency,periods\n")
        for i in range(n):
            f.write(f"C{i:07d},{x[i]},{tx[i]},{periods[i]}\n")


def fit(path):
    import pandas as pd
    from scipy.optimize import minimize
    from scipy.special import betaln

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    pat = df.groupby(["frequency", "recency", "periods"]).size().reset_index(name="w")
    x, tx, n, w = (pat[c].to_numpy(float) for c in ("frequency", "recency", "periods", "w"))
    t1 = time.perf_counter()

    def nll(e):
        a, b, g, d = np.exp(e)
        first = betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n) - betaln(g, d)
        terms = [first]
        for i in range(int((n - tx).max())):
            live = i < n - tx
            v = betaln(a + x, b + tx - x + i) - betaln(a, b) + betaln(g + 1, d + tx + i) - betaln(g, d)
            terms.append(np.where(live, v, -np.inf))
        return -np.sum(w * np.logaddexp.reduce(np.array(terms), axis=0))

    best = None
    for start in ([0, 0, 0, 0], np.log([0.5, 0.5, 0.5, 2]), np.log([2, 1, 0.5, 4])):
        r = minimize(nll, start, method="L-BFGS-B")
        if best is None or r.fun < best.fun:
            best = r
    t2 = time.perf_counter()
    print("scipy: read+group %.3f s, fit %.3f s, %d rows, %d patterns, params %s, LL %.3f"
          % (t1 - t0, t2 - t1, len(df), len(pat), np.round(np.exp(best.x), 4), -best.fun))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        fit(sys.argv[2])
