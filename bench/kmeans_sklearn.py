"""scikit-learn side of the k-means benchmark: reads the matrix written by kmeans_bench,
times KMeans(algorithm='lloyd', n_init=10) for k=5 and k=8, and checks patron's fit from
fixed initial centres point for point (labels identical, inertia to 1e-6 relative).
Each k-means++ fit is timed REPS times (default 3) and the fastest kept, like the C side.
Run with Debian's /usr/bin/python3 (python3-sklearn). Usage: kmeans_sklearn.py DIR [REPS]"""
import os
import sys
import time

import numpy as np
from sklearn.cluster import KMeans


def main(d, reps):
    x = np.fromfile(os.path.join(d, "x.f64")).reshape(-1, 3)
    print(f"n={x.shape[0]} d=3")
    ok = True
    for k in (5, 8):
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            km = KMeans(n_clusters=k, n_init=10, algorithm="lloyd", random_state=0).fit(x)
            best = min(best, time.perf_counter() - t0)
        print(f"fit k={k} n_init=10: {best:.3f} s (best of {reps}) "
              f"inertia {km.inertia_:.6f} n_iter {km.n_iter_}")
        with open(os.path.join(d, f"fit_k{k}.txt")) as f:
            ours_s, ours_inertia = (float(v) for v in f.read().split())
        print(f"  patron vs scikit-learn k={k}: {best / ours_s:.1f}x faster, inertia "
              f"{ours_inertia:.6f} vs {km.inertia_:.6f} "
              f"({'equal or better' if ours_inertia <= km.inertia_ * (1 + 1e-12) else 'WORSE'})")
        init = np.fromfile(os.path.join(d, f"init_k{k}.f64")).reshape(k, 3)
        ours = np.fromfile(os.path.join(d, f"labels_k{k}.i32"), dtype=np.int32)
        our_inertia = np.fromfile(os.path.join(d, f"inertia_k{k}.f64"))[0]
        t0 = time.perf_counter()
        ref = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd").fit(x)
        diff = int((ref.labels_ != ours).sum())
        rel = abs(ref.inertia_ - our_inertia) / ref.inertia_
        print(f"fixed-init k={k}: {time.perf_counter() - t0:.3f} s inertia "
              f"{ref.inertia_:.10g} n_iter {ref.n_iter_}; labels differing: {diff}, "
              f"inertia rel. diff {rel:.2e}")
        ok = ok and diff == 0 and rel <= 1e-6
    print("fixed-init check:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/kmeans_bench",
                  int(sys.argv[2]) if len(sys.argv) > 2 else 3))
