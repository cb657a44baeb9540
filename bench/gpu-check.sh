#!/usr/bin/env bash
# The GPU check anyone with an NVIDIA GPU runs: publishes tests/Orrery.GpuCheck self-contained into
# .gpu/gpucheck (git-ignored) and runs it, comparing the CUDA backend with the CPU backend on the same
# inputs and printing a pass/fail table with the largest error of each check, then the metric-graph
# sampler on the GPU (kernels/metric_graph.cu) against the CPU sampler on the same particles: per-particle
# state bitwise, integer counts exact, and chi-square / KS rows that tell a last-bit drift from a wrong scheme.
# It also covers the GCN kernels (kernels/gcn.cu, gcn_dense.cu, gcn_rows.cu bitwise against their CPU twins;
# kernels/gcn_loss.cu within stated tolerances, its exp and log being CUDA's, not libm's).
#
# Needs on the GPU machine: the NVIDIA driver (libcuda.so.1), NVRTC and cuBLAS from CUDA 13 or 12
# (found through the loader path, CUDA_HOME, or /usr/local/cuda), and ideally OpenBLAS (Debian/Ubuntu
# libopenblas0) for the CPU side of the GEMM check; without it a double-precision loop stands in.
# No .NET is needed there: publish on a build machine (`bench/gpu-check.sh --publish-only`), copy
# .gpu/gpucheck over, and run `bench/gpu-check.sh --no-publish` (or .gpu/gpucheck/orrery-gpucheck --require-gpu).
#
# Other arguments go to orrery-gpucheck: --device cuda:N, --kernel-cache DIR. BENCH_DIR=DIR runs a folder
# published elsewhere (bench/gpu-all.sh publishes every GPU program into one).
# Exit code is orrery-gpucheck's: 0 all passed, 1 a check failed, 2 bad arguments, 3 no usable GPU.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/gpu-common.sh
out=${BENCH_DIR:-.gpu/gpucheck}
flag=${1:-}
case "$flag" in
  --no-publish|--publish-only) shift ;;
esac

gpu_publish gpu-check.sh tests/Orrery.GpuCheck/Orrery.GpuCheck.csproj "$out" orrery-gpucheck "$flag" || exit 0
exec "$out/orrery-gpucheck" --require-gpu "$@"
