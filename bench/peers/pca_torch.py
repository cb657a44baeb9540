#!/usr/bin/env python3
"""PyTorch GPU peers of Orrery's PCA (bench/run-pca-gpu.sh): on the same data as the CPU peers
(Fashion-MNIST IDX, or the raw ORRF32 matrix the "large" part writes), on CUDA:
  (a) covariance X^T X / n of the centred float32 data + torch.linalg.eigh (float32, and float64),
  (b) torch.svd_lowrank(X, q = K + oversampling, niter, M = column mean) with niter raised until it
      reaches the target E (the randomized peer: centring is implicit through M, X is never copied).
Each method runs once to warm up (CUDA context, cuBLAS/cuSOLVER handles, kernels), then REPEAT times;
the median wall time is reported, torch.cuda.synchronize() before and after. The clock starts with X
(float32, uncentred) already on the GPU; the upload is reported apart. TF32 is off (Orrery's cuBLAS
SGEMM is plain float32). Every method's K vectors are scored with the same error as Orrery and the CPU
peers, E = sqrt(mean_k min_s ||u_k - s v_k||^2), against the same float64 reference those peers use
(pca_sklearn.py for Fashion-MNIST, pca_large.py for a raw file); Orrery's vectors (--orrery a.npy) too.
Prints lines in pca_sklearn.py's format ("name  seconds s   E = ...") and a JSON list last.

    pca_torch.py --split train --components 30 --target 1e-4 --orrery bench/out/pca-gpu/*.npy
    pca_torch.py --file /tmp/orrery-pca-large-50000x2000.f32 --components 16 --target 1e-3
    pca_torch.py --check [...]   # no torch: load the data, build the reference, score the reference
                                 # itself (E = 0) and any --orrery vectors; checks this script's CPU side

Exits with code 2 and a message when torch or CUDA is missing (without --check).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pca_sklearn import error, load_fashion  # noqa: E402  (the CPU peers' data and score, reused)
from pca_large import load_raw  # noqa: E402


def reference(a):
    """(float32 data, float64 reference rows truth[k], eigenvalues descending, description) exactly as
    the CPU peer of the same data builds them."""
    if a.file:
        x = load_raw(a.file)
        x64 = x.astype(np.float64)
        x64 -= x64.mean(axis=0)
        w, u = np.linalg.eigh(x64.T @ x64 / len(x64))
        del x64
        name = os.path.basename(a.file)
    else:
        x = load_fashion(a.split)
        xc = (x - x.mean(axis=0, dtype=np.float64)).astype(np.float32)
        w, u = np.linalg.eigh(xc.astype(np.float64).T @ xc.astype(np.float64) / len(xc))
        del xc
        name = f"fashion-mnist {a.split}"
    k = a.components
    return x, u[:, ::-1][:, :k].T, w[::-1], name


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--components", type=int, default=30)
    p.add_argument("--target", type=float, default=1e-4)
    p.add_argument("--split", default="train", choices=["train", "test"])
    p.add_argument("--file", help="a raw ORRF32 matrix (the 'large' part) instead of Fashion-MNIST")
    p.add_argument("--oversampling", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--niters", default="2,4,7,10,15,20,30,50,80,120")
    p.add_argument("--orrery", nargs="*", default=[])
    p.add_argument("--check", action="store_true", help="no torch: the data, reference and scoring paths only")
    a = p.parse_args()
    k = a.components

    torch = None
    if not a.check:
        try:
            import torch
        except ImportError as e:
            print(f"pca_torch.py: torch is not importable ({e}); install PyTorch with CUDA, or use --check", file=sys.stderr)
            sys.exit(2)
        if not torch.cuda.is_available():
            print(f"pca_torch.py: torch {torch.__version__} sees no CUDA device; this peer runs on a GPU only", file=sys.stderr)
            sys.exit(2)

    x, truth, w, name = reference(a)
    gaps = -np.diff(w[:k + 1])
    rows = []

    def report(method, seconds, vectors, note=""):
        e = error(truth, vectors)
        rows.append({"method": method, "seconds": seconds, "error": e, "note": note})
        print(f"{method:40s} {seconds:8.4f} s   E = {e:.3e}  {note}", flush=True)

    if a.check:
        print(f"# pca_torch --check (no torch): data {name} {x.shape}; smallest gap among the top {k + 1}: {gaps.min():.3e} (lambda_1 {w[0]:.3e})")
        report("float64 reference itself", float("nan"), truth, "(must be 0)")
        assert rows[-1]["error"] < 1e-12, rows[-1]
        perturbed = truth + 1e-3 * np.random.default_rng(0).standard_normal(truth.shape)
        report("reference + 1e-3 noise", float("nan"), -perturbed, "(sign-flipped; ~1e-3 * sqrt(d))")
    else:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        dev = torch.device("cuda")
        torch.cuda.synchronize()
        t = time.perf_counter()
        xg = torch.from_numpy(x).to(dev)
        torch.cuda.synchronize()
        upload = time.perf_counter() - t
        print(f"# peers (GPU): torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}, TF32 off; "
              f"data {name} {tuple(xg.shape)} float32, upload {upload:.3f} s (not in the times); smallest gap among the top {k + 1}: "
              f"{gaps.min():.3e} (lambda_1 {w[0]:.3e}); median of {a.repeat} runs after one warm-up")

        def timed(fn):
            fn()  # warm-up
            torch.cuda.synchronize()
            times, value = [], None
            for _ in range(a.repeat):
                torch.cuda.synchronize()
                t = time.perf_counter()
                value = fn()
                torch.cuda.synchronize()
                times.append(time.perf_counter() - t)
            return value.double().cpu().numpy(), statistics.median(times)

        def cov_eigh(dtype):
            def run():
                xc = (xg - xg.mean(dim=0, keepdim=True)).to(dtype)
                c = xc.T @ xc / xc.shape[0]
                _, vec = torch.linalg.eigh(c)
                return vec.flip(1)[:, :k].T
            return run

        v, s = timed(cov_eigh(torch.float32)); report("torch float32 X^T X + eigh (cuda)", s, v)
        v, s = timed(cov_eigh(torch.float64)); report("torch float64 X^T X + eigh (cuda)", s, v)
        mean = xg.mean(dim=0, keepdim=True)
        for niter in (int(n) for n in a.niters.split(",")):
            def lowrank(niter=niter):
                torch.manual_seed(0)
                _, _, vt = torch.svd_lowrank(xg, q=k + a.oversampling, niter=niter, M=mean)
                return vt[:, :k].T
            v, s = timed(lowrank)
            report(f"torch svd_lowrank q={k + a.oversampling} niter={niter}", s, v, "(mean subtracted through M)")
            if rows[-1]["error"] <= a.target:
                break

    for path in a.orrery:
        report(f"orrery {path.split('/')[-1]}", float("nan"), np.load(path), "(time: see the Orrery table)")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
