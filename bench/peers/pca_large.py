#!/usr/bin/env python3
"""Peer of Orrery's matrix-free PCA on a raw float32 matrix (bench/run-pca.sh, part "large"): scikit-learn
randomized PCA (n_oversamples 10, its default) with n_iter raised until it reaches the target E, then bisected
to the smallest n_iter that does (the matched-accuracy point), scored with Orrery's error
E = sqrt(mean_k min_s ||u_k - s v_k||^2) against a float64 reference (eigh of the float64 covariance of
the centred data). Orrery's vectors (--orrery v.npy) are scored the same way."""
import argparse, json, time
import numpy as np
from pca_sklearn import smallest_reaching

def load_raw(path):
    with open(path, "rb") as f:
        header = f.read(24)
        assert header[:8] == b"ORRF32\0\0", "not an ORRF32 file"
        rows, cols = np.frombuffer(header[8:], dtype="<i8")
        return np.fromfile(f, dtype="<f4", count=int(rows * cols)).reshape(int(rows), int(cols))

def error(truth, vectors):
    v = np.asarray(vectors, dtype=np.float64)
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    s = np.sign(np.sum(truth * v, axis=1)); s[s == 0] = 1
    return float(np.sqrt(np.mean(np.sum((truth - s[:, None] * v) ** 2, axis=1))))

def main():
    p = argparse.ArgumentParser()
    p.add_argument("file"); p.add_argument("--components", type=int, default=16)
    p.add_argument("--target", type=float, default=1e-3); p.add_argument("--orrery", nargs="*", default=[])
    a = p.parse_args()
    from sklearn.decomposition import PCA
    k = a.components
    x = load_raw(a.file)
    x64 = x.astype(np.float64); x64 -= x64.mean(axis=0)
    w, u = np.linalg.eigh(x64.T @ x64 / len(x64)); del x64
    truth = u[:, ::-1][:, :k].T
    print(f"# peer: data {x.shape}; top {k + 1} eigenvalues {np.array2string(w[::-1][:k + 1], precision=4)}")
    rows = []
    def report(name, seconds, vectors):
        e = error(truth, vectors); rows.append({"method": name, "seconds": seconds, "error": e})
        print(f"{name:40s} {seconds:8.2f} s   E = {e:.3e}")
    def randomized(n_iter):
        t = time.perf_counter()
        v = PCA(n_components=k, svd_solver="randomized", iterated_power=n_iter, random_state=0).fit(x).components_
        report(f"sklearn PCA randomized n_iter={n_iter}", time.perf_counter() - t, v)
        return rows[-1]["error"] <= a.target
    # The smallest n_iter at the target is the matched-accuracy point.
    high = smallest_reaching(randomized, (2, 4, 7, 10, 15, 20, 30, 50, 80))
    if high is not None:
        matched = next(r for r in rows if r["method"] == f"sklearn PCA randomized n_iter={high}")
        print(f"# matched: smallest n_iter reaching E <= {a.target:g} is {high}: {matched['seconds']:.2f} s, E = {matched['error']:.3e}")
    for path in a.orrery:
        report(f"orrery {path.split('/')[-1]}", float("nan"), np.load(path))
    print(json.dumps(rows))

if __name__ == "__main__":
    main()
