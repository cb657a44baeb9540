#!/usr/bin/env python3
"""Peers of Orrery's PCA on Fashion-MNIST (bench/run-pca.sh): NumPy covariance + eigh, scikit-learn PCA
(full and randomized). Every method's K vectors are scored with the same error as Orrery,
E = sqrt(mean_k min_s ||u_k - s v_k||^2), against a float64 reference (eigh of the float64 covariance
of the same centred float32 data). Randomized PCA gets n_iter raised until it reaches the target E, and
the script reports what that took. Orrery's saved vectors (--orrery a.npy b.npy) are scored the same way."""
import argparse, gzip, json, time
import numpy as np

def load_fashion(split="train"):
    path = f"/usr/share/datasets/fashion-mnist/{'train' if split == 'train' else 't10k'}-images-idx3-ubyte.gz"
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    x = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols).astype(np.float32) / np.float32(255)
    return x

def error(truth, vectors):
    v = np.asarray(vectors, dtype=np.float64)
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    s = np.sign(np.sum(truth * v, axis=1))
    s[s == 0] = 1
    return float(np.sqrt(np.mean(np.sum((truth - s[:, None] * v) ** 2, axis=1))))

def smallest_reaching(reaches, ladder=(2, 4, 7, 10, 15, 20, 30, 50, 80, 120)):
    """The smallest n_iter for which reaches(n_iter) is true: a coarse ladder, then bisection between the last
    value short of the target and the first that reaches it (the ladder alone can overshoot the matched-accuracy
    point by far). None when no value of the ladder reaches it."""
    low, high = 0, None
    for n_iter in ladder:
        if reaches(n_iter):
            high = n_iter
            break
        low = n_iter
    while high is not None and high - low > 1:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle
    return high

def timed(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--components", type=int, default=30)
    p.add_argument("--target", type=float, default=1e-4)
    p.add_argument("--orrery", nargs="*", default=[])
    p.add_argument("--split", default="train", choices=["train", "test"])
    a = p.parse_args()
    from sklearn.decomposition import PCA
    import sklearn, threadpoolctl
    k = a.components
    x = load_fashion(a.split)
    xc = (x - x.mean(axis=0, dtype=np.float64)).astype(np.float32)
    w, u = np.linalg.eigh(xc.astype(np.float64).T @ xc.astype(np.float64) / len(xc))
    truth = u[:, ::-1][:, :k].T
    print(f"# peers: numpy {np.__version__}, scikit-learn {sklearn.__version__}, BLAS {threadpoolctl.threadpool_info()[0].get('internal_api')} "
          f"threads {threadpoolctl.threadpool_info()[0].get('num_threads')}; data {x.shape}; smallest gap among the top {k + 1}: "
          f"{np.min(-np.diff(w[::-1][:k + 1])):.3e} (lambda_1 {w[-1]:.3e})")
    rows = []
    def report(name, seconds, vectors, note=""):
        e = error(truth, vectors)
        rows.append({"method": name, "seconds": seconds, "error": e, "note": note})
        print(f"{name:40s} {seconds:8.2f} s   E = {e:.3e}  {note}")

    def cov_eigh32():
        c = xc.T @ xc / np.float32(len(xc))
        _, vec = np.linalg.eigh(c)
        return vec[:, ::-1][:, :k].T
    v, t = timed(cov_eigh32); report("numpy float32 X^T X + eigh", t, v)
    def cov_eigh64():
        x64 = xc.astype(np.float64)
        _, vec = np.linalg.eigh(x64.T @ x64 / len(x64))
        return vec[:, ::-1][:, :k].T
    v, t = timed(cov_eigh64); report("numpy float64 X^T X + eigh", t, v)
    v, t = timed(lambda: PCA(n_components=k, svd_solver="full").fit(x).components_); report("sklearn PCA full (float32 input)", t, v)
    def randomized(n_iter):
        v, t = timed(lambda: PCA(n_components=k, svd_solver="randomized", iterated_power=n_iter, random_state=0).fit(x).components_)
        report(f"sklearn PCA randomized n_iter={n_iter}", t, v)
        return rows[-1]["error"] <= a.target
    high = smallest_reaching(randomized, (4, 7, 10, 15, 20, 30, 50, 80, 120))
    if high is not None:
        matched = next(r for r in rows if r["method"] == f"sklearn PCA randomized n_iter={high}")
        print(f"# matched: smallest n_iter reaching E <= {a.target:g} is {high}: {matched['seconds']:.2f} s, E = {matched['error']:.3e}")
    for path in a.orrery:
        report(f"orrery {path.split('/')[-1]}", float("nan"), np.load(path), "(time: see the Orrery table)")
    print(json.dumps(rows))

if __name__ == "__main__":
    main()
