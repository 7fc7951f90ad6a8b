"""scikit-learn side of the k-means benchmark. Reads the matrix written by kmeans_bench,
times KMeans(algorithm='lloyd', n_init=10) for k=5 and k=8 and patron's fit of the same
matrix (kmeans_bench --fit-only, run alternately with scikit-learn so that both see the
same load on a shared machine; best of REPS each), and checks patron's fit from fixed
initial centres point for point (labels identical, inertia to 1e-6 relative).
Run with Debian's /usr/bin/python3 (python3-sklearn).
Usage: kmeans_sklearn.py DIR [REPS [KMEANS_BENCH]]"""
import os
import subprocess
import sys
import time

import numpy as np
from sklearn.cluster import KMeans


def time_both(x, k, reps, bench, d):
    ours, theirs = (float("inf"), None), (float("inf"), None)
    for _ in range(reps):
        out = subprocess.run([bench, "--dir", d, "--fit-only", str(k)], check=True,
                             capture_output=True, text=True).stdout.split()
        if float(out[0]) < ours[0]:
            ours = (float(out[0]), float(out[1]))
        t0 = time.perf_counter()
        km = KMeans(n_clusters=k, n_init=10, algorithm="lloyd", random_state=0).fit(x)
        seconds = time.perf_counter() - t0
        if seconds < theirs[0]:
            theirs = (seconds, km.inertia_)
    return ours, theirs


def check_fixed_init(x, k, d):
    init = np.fromfile(os.path.join(d, f"init_k{k}.f64")).reshape(k, 3)
    ours = np.fromfile(os.path.join(d, f"labels_k{k}.i32"), dtype=np.int32)
    our_inertia = np.fromfile(os.path.join(d, f"inertia_k{k}.f64"))[0]
    ref = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd").fit(x)
    diff = int((ref.labels_ != ours).sum())
    rel = abs(ref.inertia_ - our_inertia) / ref.inertia_
    print(f"fixed-init k={k}: scikit-learn inertia {ref.inertia_:.10g} n_iter {ref.n_iter_}; "
          f"labels differing: {diff}, inertia rel. diff {rel:.2e}")
    return diff == 0 and rel <= 1e-6


def main(d, reps, bench):
    x = np.fromfile(os.path.join(d, "x.f64")).reshape(-1, 3)
    print(f"n={x.shape[0]} d=3, best of {reps}, patron and scikit-learn alternating")
    ok = True
    for k in (5, 8):
        (ours_s, ours_i), (theirs_s, theirs_i) = time_both(x, k, reps, bench, d)
        better = ours_i <= theirs_i * (1 + 1e-12)
        print(f"fit k={k} n_init=10: patron {ours_s:.3f} s inertia {ours_i:.6f}; "
              f"scikit-learn {theirs_s:.3f} s inertia {theirs_i:.6f}; "
              f"{theirs_s / ours_s:.1f}x faster, inertia "
              f"{'equal or better' if better else 'WORSE'}")
        ok = check_fixed_init(x, k, d) and ok
    print("fixed-init check:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp/kmeans_bench"
    sys.exit(main(directory, int(sys.argv[2]) if len(sys.argv) > 2 else 3,
                  sys.argv[3] if len(sys.argv) > 3 else os.path.join(directory, "kmeans_bench")))
