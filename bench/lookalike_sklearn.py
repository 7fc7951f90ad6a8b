"""The scikit-learn side of bench/lookalike_bench.sh: what a user would otherwise run for a
lookalike -- profiles.csv from `patron analyze` at the same as-of, numbers standardised
(asinh of heavy columns, missing -> mean) and categories one-hot (levels >= 2%, at most 8),
LogisticRegression(C=1, class_weight='balanced', lbfgs) of the seed without the hidden
members against a 100,000-row sample of the rest, scoring every customer -- on the same
holdout as Patron (eval.csv: the hidden members and the non-seed customers). Times the
feature preparation and the fit + scoring (CSV loading not timed); prints the AUC of both.
usage: lookalike_sklearn.py PROFILES.csv SEED.csv EVAL.csv"""
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

prof, seed_path, eval_path = sys.argv[1:4]
p = pd.read_csv(prof, dtype={"customer_id": str}, low_memory=False)
seed = set(pd.read_csv(seed_path, dtype=str).customer_id)
ev = pd.read_csv(eval_path, dtype={"customer_id": str})
t0 = time.perf_counter()
num, cat = [], []
for c in p.columns:
    if c == "customer_id" or c.endswith("_date") or c in ("first_purchase", "last_purchase"):
        continue
    (num if pd.api.types.is_numeric_dtype(p[c]) else cat).append(c)
cols = []
for c in num:
    v = p[c].astype(float)
    if v.abs().max() > 50:
        v = np.arcsinh(v)
    sd = v.std()
    if sd > 0:
        cols.append(((v - v.mean()) / sd).fillna(0).clip(-6, 6).to_numpy(np.float32))
for c in cat:
    share = p[c].value_counts(normalize=True)
    for level in share[share >= 0.02].index[:8]:
        v = (p[c] == level).astype(np.float32)
        cols.append(((v - v.mean()) / (v.std() or 1)).to_numpy(np.float32))
X = np.column_stack(cols)
t1 = time.perf_counter()
hidden = set(ev[ev.hidden == 1].customer_id)
ids = p.customer_id.to_numpy()
pos = np.array([i in seed and i not in hidden for i in ids])
rng = np.random.default_rng(1)
rest = np.flatnonzero(~pos)
rest = rng.choice(rest, size=min(100000, len(rest)), replace=False)
train = np.concatenate([np.flatnonzero(pos), rest])
t2 = time.perf_counter()
m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=500)
m.fit(X[train], pos[train])
score = m.predict_proba(X)[:, 1]
t3 = time.perf_counter()
s = pd.Series(score, index=ids)
auc = roc_auc_score(ev.hidden, s.loc[ev.customer_id].to_numpy())
print(f"sklearn  {X.shape[0]} customers, {X.shape[1]} features: features {t1 - t0:.2f} s, "
      f"fit + score {t3 - t2:.2f} s ({m.n_iter_[0]} lbfgs iterations), held-out AUC {auc:.4f} "
      f"(scikit-learn {sklearn.__version__})")
print(f"patron   held-out AUC from eval.csv {roc_auc_score(ev.hidden, ev.score):.4f}")
