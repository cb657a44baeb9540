#!/usr/bin/env bash
# PCA on one GPU: Orrery (shards computing through cuBLAS) beside the PyTorch peers (bench/peers/pca_torch.py:
# covariance + torch.linalg.eigh, and torch.svd_lowrank with niter raised to the same E) on the same GPU, in
# one run, for (1) Fashion-MNIST K = 30, time to E < 1e-4 (matrix-free with 1, 2, 4 shards and covariance
# mode) and (2) the matrix-free case, a raw low-rank + noise matrix, K = 16, time to E < 1e-3. Every set of
# vectors is scored against the same float64 reference as the CPU peers (bench/run-pca.sh). Writes a table
# (device, date, command, times, ratios) to bench/results/pca-gpu-<UTC date>.md and prints it; the raw
# outputs go to bench/out/pca-gpu/ (ignored).
#
#   bench/run-pca-gpu.sh                    # publish (needs dotnet) and run
#   bench/run-pca-gpu.sh --publish-only     # on a build machine: publish into .gpu/bench-pca
#   bench/run-pca-gpu.sh --no-publish       # on the GPU machine, after copying .gpu/ over
#   PARTS=shards SPLIT=test LARGE_ROWS=20000 LARGE_DIM=1000 bench/run-pca-gpu.sh --no-publish
#   SHARD_SOLVERS=subspace bench/run-pca-gpu.sh   # the Fashion-MNIST solvers (default parallel,subspace)
#   BENCH_DIR=.gpu/pack FASHION_FROM=.gpu/fashion-mnist bench/run-pca-gpu.sh --no-publish
#
# Orrery: the self-contained published Orrery.Bench.Pca (no .NET needed on the GPU machine) with --device cuda:
# its embedded silos get the GPU's DeviceDiscovery, so every shard's Y_s^T (Y_s V) is a cuBLAS SGEMM; the
# clock starts after the shards are loaded and the truth is computed (see ShardTimingBenchmark.cs).
# Needs on the GPU machine: the NVIDIA driver, cuBLAS and NVRTC (CUDA 12 or 13), python3 with torch and numpy,
# and Fashion-MNIST in /usr/share/datasets/fashion-mnist (FASHION_FROM=DIR copies the IDX .gz files there).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/gpu-common.sh
out=${BENCH_DIR:-.gpu/bench-pca}
flag=${1:-}
case "$flag" in
  --no-publish|--publish-only) shift ;;
esac

PARTS=${PARTS:-"shards large"}
SPLIT=${SPLIT:-train}
LARGE_ROWS=${LARGE_ROWS:-50000}
LARGE_DIM=${LARGE_DIM:-2000}
REPEAT=${REPEAT:-3}
PYTHON=${PYTHON:-python3}
RESULTS=${RESULTS:-bench/results}

gpu_publish run-pca-gpu.sh bench/Orrery.Bench.Pca/Orrery.Bench.Pca.csproj "$out" Orrery.Bench.Pca "$flag" || exit 0

bench="$out/Orrery.Bench.Pca"
gpu_require run-pca-gpu.sh "$PYTHON" "torch, numpy"
fashion=/usr/share/datasets/fashion-mnist
if [ -n "${FASHION_FROM:-}" ] && [ ! -f "$fashion/train-images-idx3-ubyte.gz" ]; then
  mkdir -p "$fashion" && cp "$FASHION_FROM"/*-idx*-ubyte.gz "$fashion"/
fi

raw="${RAW:-bench/out/pca-gpu}"
mkdir -p "$raw"
gpu_describe
torch_version=$("$PYTHON" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)')
table="$RESULTS/pca-gpu-$(date -u +%Y-%m-%d).md"
command_line="PARTS=\"$PARTS\" SPLIT=$SPLIT LARGE_ROWS=$LARGE_ROWS LARGE_DIM=$LARGE_DIM REPEAT=$REPEAT bench/run-pca-gpu.sh"

# The peer's median seconds of a method (a line "NAME ... SECONDS s   E = ..."), and its E.
peer_seconds() { grep -F "$2" "$1" | grep -v '^\[' | tail -1 | sed -nE 's/.* ([0-9.]+) s   E = .*/\1/p'; }
peer_line() { grep -E "$2" "$1" | grep -v '^\[' | tail -1 | sed -nE 's/^(.*[^ ]) +([0-9.]+) s   E = ([^ ]+).*/\1|\2|\3/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.1fx", a / b; else print "n/a" }'; }

{
  echo "# PCA on one GPU: Orrery (cuBLAS shards) vs PyTorch"
  echo
  echo "- Device: $gpu_name; $(nproc) CPU cores"
  echo "- Date: $date_utc; code: commit $commit; PyTorch $torch_version"
  echo "- Command: \`$command_line\`"
  echo "- Orrery: embedded cluster of 2 silos in one process, --device cuda, seconds to the target after load and truth;"
  echo "  PyTorch: median of $REPEAT runs after a warm-up, X already on the GPU, TF32 off. E against the CPU peers' float64 reference."
  echo "  Ratio = Orrery seconds / PyTorch seconds (above 1: Orrery slower)."
} > "$raw/table.md"

for part in $PARTS; do
  case $part in
    shards)
      "$bench" shards --device cuda --split "$SPLIT" --shards 1,2,4 --solvers "${SHARD_SOLVERS:-parallel,subspace}" --target 1e-4 --components 30 --out "$raw" | tee "$raw/shards-$SPLIT.csv"
      "$PYTHON" bench/peers/pca_torch.py --split "$SPLIT" --components 30 --target 1e-4 --repeat "$REPEAT" \
        --orrery "$raw"/fashion-mnist-"$SPLIT"-*.npy | tee "$raw/peers-$SPLIT.txt"
      eigh=$(peer_seconds "$raw/peers-$SPLIT.txt" "torch float32 X^T X + eigh")
      low=$(peer_line "$raw/peers-$SPLIT.txt" '^torch svd_lowrank')
      {
        echo
        echo "## Fashion-MNIST $SPLIT, K = 30, E < 1e-4"
        echo
        echo "| method | seconds to target | E (Orrery's own) | / torch eigh ($eigh s) | / torch svd_lowrank (${low%%|*}: $(echo "$low" | cut -d'|' -f2) s, E $(echo "$low" | cut -d'|' -f3)) |"
        echo "|---|---|---|---|---|"
        grep -v '^#\|^solver,' "$raw/shards-$SPLIT.csv" | while IFS=, read -r solver mode shards _load _truth seconds rounds _steps error _mb _file; do
          echo "| Orrery $solver, $mode, $shards shard(s), $rounds rounds | $seconds | $error | $(ratio "$seconds" "$eigh") | $(ratio "$seconds" "$(echo "$low" | cut -d'|' -f2)") |"
        done
        echo
        echo '```'
        grep -v '^\[' "$raw/peers-$SPLIT.txt"
        echo '```'
      } >> "$raw/table.md"
      ;;
    large)
      file=${LARGE_FILE:-/tmp/orrery-pca-large-${LARGE_ROWS}x${LARGE_DIM}.f32}
      "$bench" large --device cuda --rows "$LARGE_ROWS" --dimension "$LARGE_DIM" --components 16 --target 1e-3 --file "$file" --out "$raw" | tee "$raw/large.csv"
      "$PYTHON" bench/peers/pca_torch.py --file "$file" --components 16 --target 1e-3 --repeat "$REPEAT" \
        --orrery "$raw"/large-*.npy | tee "$raw/large-peers.txt"
      eigh=$(peer_seconds "$raw/large-peers.txt" "torch float32 X^T X + eigh")
      low=$(peer_line "$raw/large-peers.txt" '^torch svd_lowrank')
      {
        echo
        echo "## Matrix-free, $LARGE_ROWS x $LARGE_DIM low-rank + noise, K = 16, E < 1e-3"
        echo
        echo "| method | seconds to target | E (Orrery's own) | / torch eigh ($eigh s) | / torch svd_lowrank (${low%%|*}: $(echo "$low" | cut -d'|' -f2) s, E $(echo "$low" | cut -d'|' -f3)) |"
        echo "|---|---|---|---|---|"
        grep -v '^#\|^rows,' "$raw/large.csv" | while IFS=, read -r _rows _dim _k shards _load _truth seconds rounds error _rest; do
          echo "| Orrery matrix-free ${_rest##*,}, $shards shards, $rounds rounds | $seconds | $error | $(ratio "$seconds" "$eigh") | $(ratio "$seconds" "$(echo "$low" | cut -d'|' -f2)") |"
        done
        echo
        echo '```'
        grep -v '^\[' "$raw/large-peers.txt"
        echo '```'
      } >> "$raw/table.md"
      ;;
    *) echo "run-pca-gpu.sh: unknown part $part" >&2; exit 2 ;;
  esac
done
cp "$raw/table.md" "$table"
echo
cat "$table"
echo "(written to $table; raw outputs in $raw)"
