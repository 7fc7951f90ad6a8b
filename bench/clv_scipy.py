#!/usr/bin/python3
"""Reference SciPy implementation of what `patron clv fit` does, for the benchmark
(bench/clv_bench.sh): the per-customer summary from an orders CSV with pandas (orders
collapsed by order_id, purchases = orders of value > 0, one purchase per customer-day,
calibration ending on the latest order day, days), then BG/NBD (Fader, Hardie & Lee 2005)
and Pareto/NBD (lifetimes' log A0 form) maximum-likelihood fits with scipy.optimize
(L-BFGS-B on log-parameters, vectorised numpy/scipy.special over every customer, as the
lifetimes package does), and P(alive) and expected purchases in 90 days per customer.
Prints one JSON object with the timings, parameters and log-likelihoods."""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1, logsumexp


def summary(path):
    df = pd.read_csv(path, usecols=["customer_id", "order_id", "order_time", "amount"],
                     dtype={"customer_id": str, "order_id": str, "amount": float})
    t0 = time.perf_counter()
    df["order_time"] = pd.to_datetime(df["order_time"])
    orders = df.groupby(["customer_id", "order_id"], sort=False).agg(
        time=("order_time", "min"), value=("amount", "sum")).reset_index()
    orders = orders[orders["value"] > 0]
    orders["day"] = (orders["time"].values.astype("datetime64[D]")).astype(np.int64)
    days = orders.groupby(["customer_id", "day"], sort=False)["value"].sum().reset_index()
    end = days["day"].max()
    days = days.sort_values(["customer_id", "day"])
    g = days.groupby("customer_id", sort=True)
    first, last, n = g["day"].min(), g["day"].max(), g["day"].count()
    total, first_value = g["value"].sum(), g["value"].first()
    x = (n - 1).to_numpy(float)
    mon = np.where(x > 0, (total - first_value).to_numpy() / np.maximum(x, 1), 0.0)
    return (x, (last - first).to_numpy(float), (end - first).to_numpy(float), mon,
            time.perf_counter() - t0)


def bgnbd_ll(theta, x, tx, T):
    r, alpha, a, b = theta
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                      - (r + x) * np.log(alpha + tx), -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def pnbd_log_a0(theta, x, tx, T):
    r, alpha, s, beta = theta
    if alpha < beta:
        lo, hi, t = alpha, beta, r + x
    else:
        lo, hi, t = beta, alpha, s + 1
    d, rsf = hi - lo, r + s + x
    p1 = hyp2f1(rsf, t, rsf + 1.0, d / (hi + tx))
    p2 = hyp2f1(rsf, t, rsf + 1.0, d / (hi + T))
    q1, q2 = hi + tx, hi + T
    ones = np.ones_like(x)
    return (logsumexp([np.log(p1) + rsf * np.log(q2), np.log(p2) + rsf * np.log(q1)], axis=0,
                      b=[ones, -ones]) - rsf * np.log(q1 * q2))


def pnbd_ll(theta, x, tx, T):
    r, alpha, s, beta = theta
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    a2 = np.logaddexp(-(r + x) * np.log(alpha + T) - s * np.log(beta + T),
                      np.log(s) + pnbd_log_a0(theta, x, tx, T) - np.log(r + s + x))
    return a1 + a2


def fit(ll, x, tx, T):
    def objective(eta):
        v = -ll(np.exp(eta), x, tx, T).mean()
        return v if np.isfinite(v) else 1e100
    t0 = time.perf_counter()
    res = minimize(objective, np.zeros(4), method="L-BFGS-B",
                   options={"maxiter": 500, "gtol": 1e-9, "ftol": 1e-14})
    return np.exp(res.x), -res.fun * len(x), int(res.nit), time.perf_counter() - t0


def bgnbd_predict(theta, x, tx, T, t):
    r, alpha, a, b = theta
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x), 0.0)
    p_alive = 1.0 / (1.0 + d)
    z = t / (alpha + T + t)
    e = ((a + b + x - 1) / (a - 1) *
         (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)))
    return p_alive, e * p_alive


def pnbd_predict(theta, x, tx, T, t):
    r, alpha, s, beta = theta
    log_a0 = pnbd_log_a0(theta, x, tx, T)
    first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    other = np.log(s) + log_a0 - np.log(r + s + x)
    p_alive = np.exp(first - np.logaddexp(first, other))
    e = (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
    return p_alive, p_alive * e


def main():
    path = sys.argv[1]
    t0 = time.perf_counter()
    x, tx, T, mon, summary_only = summary(path)
    out = {"customers": int(len(x)), "summary_s": time.perf_counter() - t0,
           "summary_after_read_s": summary_only}
    for name, ll, pred in (("bgnbd", bgnbd_ll, bgnbd_predict), ("paretonbd", pnbd_ll, pnbd_predict)):
        theta, loglik, nit, secs = fit(ll, x, tx, T)
        t1 = time.perf_counter()
        pa, e90 = pred(theta, x, tx, T, 90.0)
        out[name] = {"params": [float(v) for v in theta], "log_likelihood": float(loglik),
                     "iterations": nit, "fit_s": secs, "predict_s": time.perf_counter() - t1,
                     "mean_p_alive": float(np.nanmean(pa)), "sum_e90": float(np.nansum(e90))}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
