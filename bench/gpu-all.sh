#!/usr/bin/env bash
# Every GPU check and GPU benchmark in one prepared run, for a GPU machine lent for a few minutes and
# without .NET. Two halves:
#
#   bench/gpu-all.sh --pack          # here (needs dotnet): publishes orrery-gpucheck, Orrery.Bench.MetricGraphs,
#                                    # Orrery.Bench.Pca and Orrery.Bench.Gcn self-contained into one folder (they share the
#                                    # runtime), packs it as .gpu/carry/pack.tar.xz with Fashion-MNIST's test
#                                    # split beside it (about 47 MB; .gpu/ is git-ignored)
#   bench/gpu-all.sh --run [OUTDIR]  # on the GPU machine, with .gpu/carry copied over: unpacks, then runs
#                                    # 1. bench/gpu-check.sh (CUDA vs CPU parity, exit code kept),
#                                    # 2. bench/run-metric-graphs-gpu.sh (sampler vs PyTorch),
#                                    # 3. bench/run-pca-gpu.sh on the test split and the matrix-free case,
#                                    # 4. bench/run-gcn-gpu.sh (Orrery's GCN beside PyG and PyTorch, 1M-node CSBM),
#                                    # each under its own time limit, logging into OUTDIR (default .gpu/out)
#                                    # and copying the result tables written under bench/results/ there.
#
# The time limits (CHECK_S, SAMPLING_S, PCA_S, GCN_S seconds) are sized so that the first three steps fit inside a
# 10-minute call and the GCN step in a second one: STEPS picks the steps of a call (default all four), e.g.
#   STEPS="gpu-check metric-graphs pca" bench/gpu-all.sh --run OUT   then   STEPS=gcn bench/gpu-all.sh --run OUT
# A step that runs out is reported as such and the next one still runs.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  --pack)
    set -e
    rm -rf .gpu/pack .gpu/carry
    for project in tests/Orrery.GpuCheck/Orrery.GpuCheck.csproj bench/Orrery.Bench.MetricGraphs/Orrery.Bench.MetricGraphs.csproj \
                   bench/Orrery.Bench.Pca/Orrery.Bench.Pca.csproj bench/Orrery.Bench.Gcn/Orrery.Bench.Gcn.csproj; do
      DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
        dotnet publish "$project" -c Release -r linux-x64 --self-contained -o .gpu/pack -p:DebugType=none -nologo -v quiet
    done
    mkdir -p .gpu/carry/fashion
    tar -C .gpu -cf - pack | xz -T0 -6 > .gpu/carry/pack.tar.xz
    cp /usr/share/datasets/fashion-mnist/t10k-*-ubyte.gz .gpu/carry/fashion/
    du -sh .gpu/carry
    exit 0
    ;;
  --run) ;;
  *) echo "usage: bench/gpu-all.sh --pack | --run [OUTDIR]" >&2; exit 2 ;;
esac

out=${2:-.gpu/out}
mkdir -p "$out"
if [ ! -x .gpu/pack/orrery-gpucheck ]; then
  xz -dc .gpu/carry/pack.tar.xz | tar -C .gpu -xf - || { echo "gpu-all.sh: cannot unpack .gpu/carry/pack.tar.xz" >&2; exit 2; }
fi
# The GPU machine's image may lack ICU; nothing here formats culture-specific text.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 BENCH_DIR=.gpu/pack
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  nvcc --version 2>/dev/null | tail -2
  ldconfig -p | grep -E 'libcuda\.so|libnvrtc\.so|libcublas\.so|libopenblas' | head
  nproc
} > "$out/machine.txt" 2>&1
cat "$out/machine.txt"

STEPS=${STEPS:-gpu-check metric-graphs pca gcn}
step() {
  local name=$1 limit=$2; shift 2
  case " $STEPS " in *" $name "*) ;; *) return 0 ;; esac
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "== $name: exit $rc after $((SECONDS - start)) s$([ $rc = 124 ] && echo " (ran out of its ${limit} s)")" | tee -a "$out/summary.txt"
  tail -40 "$out/$name.log"
}

step gpu-check "${CHECK_S:-150}" bench/gpu-check.sh --no-publish
step metric-graphs "${SAMPLING_S:-200}" env REPEAT="${REPEAT:-3}" bench/run-metric-graphs-gpu.sh --no-publish
step pca "${PCA_S:-180}" env SPLIT=test FASHION_FROM=.gpu/carry/fashion LARGE_ROWS="${LARGE_ROWS:-50000}" LARGE_DIM="${LARGE_DIM:-2000}" \
  bench/run-pca-gpu.sh --no-publish
step gcn "${GCN_S:-400}" env NODES="${GCN_NODES:-1000000}" bench/run-gcn-gpu.sh --no-publish
find bench/results -newer "$out/machine.txt" -name '*gpu-2*.md' -exec cp {} "$out"/ \;
ls -la "$out"
