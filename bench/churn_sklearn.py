#!/usr/bin/python3
"""Compare Patron's churn model with scikit-learn on the same feature matrix.

Usage: /usr/bin/python3 bench/churn_sklearn.py FEATURES.csv METRICS.json [MIN_DIFF]

FEATURES.csv is written by `patron churn train --dump-features` (customer_id, cutoff, set,
label, then the model's columns; empty = missing); METRICS.json is the same run's
metrics.json (schema.json is read from beside it). Fits scikit-learn's HistGradientBoostingClassifier (defaults, and with the
number of iterations chosen on the validation rows, as Patron's early stopping does) and
LogisticRegression (L2, standardized inputs, missing -> mean) on the 'train' rows, scores
the 'valid' rows, and checks Patron's validation AUC >= the best scikit-learn AUC - MIN_DIFF
(default 0.005). Exit 1 when it is not.
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler


def load(path):
    df = pd.read_csv(path, dtype={"customer_id": str})
    cols = [c for c in df.columns if c not in ("customer_id", "cutoff", "set", "label")]
    train, valid = df[df.set == "train"], df[df.set == "valid"]
    return (train[cols].to_numpy(np.float32), train.label.to_numpy(),
            valid[cols].to_numpy(np.float32), valid.label.to_numpy(), cols)


def lift(y, p):
    top = np.argsort(-p, kind="stable")[: max(1, len(p) // 10)]
    return y[top].mean() / y.mean()


def report(name, y, p, seconds):
    auc = roc_auc_score(y, p)
    print(f"{name:<34} AUC {auc:.4f}  PR AUC {average_precision_score(y, p):.4f}  "
          f"top-decile lift {lift(y, p):.2f}  {seconds:.1f} s")
    return auc


def hgb_default(xt, yt, xv, yv):
    t = time.time()
    m = HistGradientBoostingClassifier(random_state=0).fit(xt, yt)
    return report("sklearn HistGradientBoosting", yv, m.predict_proba(xv)[:, 1], time.time() - t)


def hgb_tuned(xt, yt, xv, yv):
    """Iterations chosen on the validation rows (same footing as early stopping)."""
    t = time.time()
    m = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=400, early_stopping=False,
                                       random_state=0).fit(xt, yt)
    best = max(roc_auc_score(yv, p[:, 1]) for p in m.staged_predict_proba(xv))
    print(f"{'sklearn HGB, iterations on valid':<34} AUC {best:.4f}  {time.time() - t:.1f} s")
    return best


def logistic(xt, yt, xv, yv, heavy):
    t = time.time()
    asinh = FunctionTransformer(lambda x: np.where(np.isin(np.arange(x.shape[1]), heavy),
                                                   np.arcsinh(x), x))
    clip = FunctionTransformer(lambda z: np.clip(z, -6, 6))
    m = make_pipeline(asinh, SimpleImputer(), StandardScaler(), clip,
                      LogisticRegression(C=1.0, max_iter=2000)).fit(xt, yt)
    return report("sklearn LogisticRegression", yv, m.predict_proba(xv)[:, 1], time.time() - t)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    min_diff = float(sys.argv[3]) if len(sys.argv) > 3 else 0.005
    xt, yt, xv, yv, cols = load(sys.argv[1])
    with open(sys.argv[2]) as f:
        metrics = json.load(f)
    with open(os.path.join(os.path.dirname(sys.argv[2]), "schema.json")) as f:
        schema = json.load(f)["features"]["columns"]
    heavy = [i for i, c in enumerate(schema) if c["heavy_tailed"]]
    patron = metrics["validation"]["roc_auc"]
    learner = metrics["training"]["learner"]
    print(f"rows: {len(yt)} train, {len(yv)} valid, {len(cols)} columns")
    print(f"{'Patron ' + learner:<34} AUC {patron:.4f}  PR AUC "
          f"{metrics['validation']['pr_auc']:.4f}  top-decile lift "
          f"{metrics['validation']['top_decile_lift']:.2f}")
    print(f"{'recency only':<34} AUC {metrics['recency_baseline']['roc_auc']:.4f}")
    if learner == "xgboost":
        ref = max(hgb_default(xt, yt, xv, yv), hgb_tuned(xt, yt, xv, yv))
    else:
        ref = logistic(xt, yt, xv, yv, heavy)
    ok = patron >= ref - min_diff
    print(f"Patron {patron:.4f} vs scikit-learn {ref:.4f}: "
          f"{'OK' if ok else 'FAIL'} (allowed {min_diff})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
