"""Regenerate the scikit-learn reference fixtures for tests/unit/test_kmeans_sklearn.c.
Run once with Debian's /usr/bin/python3 (python3-sklearn); the outputs are committed so the
tests need no Python. Usage: /usr/bin/python3 make_fixtures.py (writes beside itself).

File format (text, numbers with 17 significant digits):
  line 1: n d k
  k lines: the initial centres (or zeros when unused)
  n lines: the d features then scikit-learn's label
  then: inertia n_iter silhouette calinski_harabasz kpp_inertia
where inertia / n_iter / labels come from KMeans(init=centres, n_init=1, algorithm='lloyd'),
silhouette and calinski_harabasz are scikit-learn's scores of those labels (silhouette on
all rows), and kpp_inertia from KMeans(k, n_init=10, random_state=0, algorithm='lloyd')."""
import os

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score

HERE = os.path.dirname(os.path.abspath(__file__))


def rfm_like(rng, n):
    u = rng.random(n)
    freq = 1 + rng.poisson(np.exp(np.where(u < 0.5, 0.3, np.where(u < 0.85, 1.2, 2.5))
                                  + rng.normal(0, 0.5, n)))
    rec = 1 + rng.exponential(np.where(u < 0.5, 300, np.where(u < 0.85, 90, 20)))
    mon = freq * rng.lognormal(3.5, 0.8, n)
    x = np.log1p(np.c_[rec, freq, mon])
    return (x - x.mean(0)) / x.std(0)


def blobs(rng, n, d, k, spread):
    centres = rng.normal(0, 3, (k, d))
    lab = rng.integers(0, k, n)
    return centres[lab] + rng.normal(0, spread, (n, d))


def write(name, x, k, init):
    km = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd").fit(x)
    kpp = KMeans(n_clusters=k, n_init=10, random_state=0, algorithm="lloyd").fit(x)
    sil = silhouette_score(x, km.labels_)
    ch = calinski_harabasz_score(x, km.labels_)
    n, d = x.shape
    with open(os.path.join(HERE, name), "w") as f:
        f.write(f"{n} {d} {k}\n")
        for c in init:
            f.write(" ".join(f"{v:.17g}" for v in c) + "\n")
        for row, lab in zip(x, km.labels_):
            f.write(" ".join(f"{v:.17g}" for v in row) + f" {lab}\n")
        f.write(f"{km.inertia_:.17g} {km.n_iter_} {sil:.17g} {ch:.17g} {kpp.inertia_:.17g}\n")
    print(name, n, d, k, km.inertia_, km.n_iter_, sil, ch, kpp.inertia_)


def main():
    rng = np.random.default_rng(20240601)
    x = rfm_like(rng, 2000)
    write("rfm_k5.txt", x, 5, x[rng.choice(len(x), 5, replace=False)])
    x = rfm_like(rng, 3000)
    write("rfm_k8.txt", x, 8, x[rng.choice(len(x), 8, replace=False)])
    x = blobs(rng, 800, 2, 4, 1.5)
    write("blobs_d2_k4.txt", x, 4, x[rng.choice(len(x), 4, replace=False)])
    x = blobs(rng, 500, 5, 3, 2.0)
    write("blobs_d5_k3.txt", x, 3, x[rng.choice(len(x), 3, replace=False)])
    # A start with a centre far from every row: its cluster is empty after the first
    # assignment and is re-seeded at the row farthest from its centre.
    x = rfm_like(rng, 1000)
    init = x[rng.choice(len(x), 4, replace=False)].copy()
    init[3] = [50.0, 50.0, 50.0]
    write("rfm_empty_k4.txt", x, 4, init)


if __name__ == "__main__":
    main()
