#!/usr/bin/env bash
# Full-graph GCN training on one GPU: Orrery beside PyTorch Geometric and plain PyTorch on the same GPU, in one run,
# on a contextual stochastic block model of NODES nodes (default 1,000,000; the issue's goal: Orrery's epoch no
# slower than PyG's). The model is bench/run-gcn.sh's: 3 layers (2 GraphSAGE-mean with the self-loop, 1 linear),
# hidden 128, dropout 0.5, LayerNorm + ReLU, Adam lr 0.003, weight decay 5e-4; medians over the epochs after WARMUP.
#
#   1. graph: Orrery.Bench.Gcn writes the CSBM as edges.csv, features.npy, labels.npy and the split Orrery's
#      loader draws (split.npy), so all implementations train on the same bytes and split;
#   2. PyG (bench/peers/gcn_pyg.py): SAGEConv layers, edge_index layout and the sparse-adjacency layout;
#   3. PyTorch (bench/peers/gcn_torch.py --device cuda): the model written by hand with CSR spmm on the GPU;
#   4. Orrery (Orrery.Bench.Gcn train): the whole graph as one part in one process, --device cuda (the model's
#      tensors on the GPU, cuBLAS GEMMs, kernels/gcn*.cu), and the same on the machine's CPU cores for scale. A cuda
#      row that cannot run (no usable GPU, out of memory) reports why (exit 4); the CPU row and the peers are
#      measured either way.
#
# Writes a table (device, date, command, epoch times, accuracies, ratios to PyG) to
# bench/results/gcn-gpu-<UTC date>.md and prints it; raw outputs go to bench/out/gcn-gpu/ (ignored).
#
#   bench/run-gcn-gpu.sh                    # publish (needs dotnet) and run
#   bench/run-gcn-gpu.sh --publish-only     # on a build machine: publish into .gpu/bench-gcn
#   bench/run-gcn-gpu.sh --no-publish       # on the GPU machine, after copying .gpu/ over
#   NODES=200000 EPOCHS=8 bench/run-gcn-gpu.sh --no-publish
#   ALLOW_CPU=1 DEVICE=cpu NODES=5000 bench/run-gcn-gpu.sh   # the harness without a GPU (PyG skipped if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/gpu-common.sh
out=${BENCH_DIR:-.gpu/bench-gcn}
flag=${1:-}
case "$flag" in
  --no-publish|--publish-only) shift ;;
esac

NODES=${NODES:-1000000}
FEATURES=${FEATURES:-64}
EPOCHS=${EPOCHS:-12}
WARMUP=${WARMUP:-2}
DEVICE=${DEVICE:-cuda}
PYTHON=${PYTHON:-python3}
RESULTS=${RESULTS:-bench/results}
MODEL=(--layers 3 --hidden 128 --linear-layers 1 --dropout 0.5 --epochs "$EPOCHS" --warmup "$WARMUP" --lr 0.003 --weight-decay 0.0005)

gpu_publish run-gcn-gpu.sh bench/Orrery.Bench.Gcn/Orrery.Bench.Gcn.csproj "$out" Orrery.Bench.Gcn "$flag" || exit 0
bench="$out/Orrery.Bench.Gcn"

if [ "${ALLOW_CPU:-0}" = 1 ]; then
  gpu_name="no GPU (ALLOW_CPU=1: a check of the harness, not a measurement)"
  date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
else
  gpu_require run-gcn-gpu.sh "$PYTHON" "torch, numpy"
  gpu_describe
fi

raw="${RAW:-bench/out/gcn-gpu}"
rm -rf "$raw" && mkdir -p "$raw/graph"
versions=$("$PYTHON" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda)')
pyg_version=$("$PYTHON" -c 'import torch_geometric; print(torch_geometric.__version__)' 2>/dev/null || echo "not installed")
table="$RESULTS/gcn-gpu-$(date -u +%Y-%m-%d).md"
command_line="NODES=$NODES FEATURES=$FEATURES EPOCHS=$EPOCHS WARMUP=$WARMUP DEVICE=$DEVICE bench/run-gcn-gpu.sh"

echo "== graph: $NODES nodes"
"$bench" graph --out "$raw/graph" --nodes "$NODES" --features "$FEATURES" | tee "$raw/graph.log"
files=(--edges "$raw/graph/edges.csv" --features "$raw/graph/features.npy" --labels "$raw/graph/labels.npy" --split "$raw/graph/split.npy")

# run NAME COMMAND...: the implementation's RESULT line into $raw/NAME.result (exit code kept in $raw/NAME.rc).
run() {
  local name=$1; shift
  echo "== $name"
  set +e
  "$@" > "$raw/$name.log" 2>&1
  echo $? > "$raw/$name.rc"
  set -e
  grep '^RESULT' "$raw/$name.log" | tail -1 | tee "$raw/$name.result" || tail -5 "$raw/$name.log"
}

if [ "$pyg_version" != "not installed" ]; then
  run pyg-edge-index "$PYTHON" bench/peers/gcn_pyg.py "${files[@]}" --device "$DEVICE" --layout edge_index "${MODEL[@]}" --out "$raw/pyg-edge-index.json"
  run pyg-sparse "$PYTHON" bench/peers/gcn_pyg.py "${files[@]}" --device "$DEVICE" --layout sparse "${MODEL[@]}" --out "$raw/pyg-sparse.json"
fi
run torch "$PYTHON" bench/peers/gcn_torch.py "${files[@]}" --device "$DEVICE" "${MODEL[@]}" --out "$raw/torch.json"
run orrery-device "$bench" train --graph "$raw/graph" --device "$DEVICE" "${MODEL[@]}" --out "$raw/orrery-device.json"
run orrery-cpu "$bench" train --graph "$raw/graph" --device cpu "${MODEL[@]}" --out "$raw/orrery-cpu.json"

field() { sed -nE "s/.* $2=([^ ]+).*/\1/p" "$raw/$1.result" 2>/dev/null || true; }
pyg=$(field pyg-edge-index epoch_seconds)
torch_seconds=$(field torch epoch_seconds)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
row() {
  local name=$1 label=$2 seconds accuracy why
  seconds=$(field "$name" epoch_seconds)
  accuracy=$(field "$name" test_accuracy)
  if [ -z "$seconds" ]; then
    if [ ! -f "$raw/$name.rc" ]; then
      why="PyTorch Geometric is not installed"
    else
      why="$( (sed -nE 's/.*unavailable: (.*)/\1/p' "$raw/$name.result" 2>/dev/null || true) | head -c 200) (exit $(cat "$raw/$name.rc"); $raw/$name.log)"
    fi
    echo "| $label | did not run: $why | | | |"
    return
  fi
  echo "| $label | $seconds | $accuracy | $(ratio "$seconds" "$pyg") | $(ratio "$seconds" "$torch_seconds") |"
}

{
  echo "# GCN training on one GPU: Orrery vs PyTorch Geometric and PyTorch"
  echo
  echo "- Device: $gpu_name; $(nproc) CPU cores"
  echo "- Date: $date_utc; code: commit $commit; $versions; PyTorch Geometric $pyg_version"
  echo "- Command: \`$command_line\`"
  echo "- Graph: $(sed -n 's/^graph: //p' "$raw/graph.log" | head -1)"
  echo "- Model: 3 layers (2 GraphSAGE-mean, 1 linear), hidden 128, dropout 0.5, LayerNorm + ReLU, Adam; $EPOCHS epochs,"
  echo "  median training step over epochs $((WARMUP + 1))..$EPOCHS (forward, loss, backward, optimiser; device synchronised)."
  echo "  Ratios = epoch seconds / the PyG (edge_index) row's, and / the PyTorch row's: above 1, slower."
  echo "  Test accuracies differ by the implementations' random numbers (initial weights, dropout masks), not by model."
  echo
  echo "| implementation | epoch s | test accuracy | / PyG | / PyTorch |"
  echo "|---|---:|---:|---:|---:|"
  row pyg-edge-index "PyG SAGEConv, edge_index, $DEVICE"
  row pyg-sparse "PyG SAGEConv, sparse adjacency, $DEVICE"
  row torch "PyTorch by hand, CSR spmm, $DEVICE"
  row orrery-device "Orrery, one part, $DEVICE"
  row orrery-cpu "Orrery, one part, CPU ($(nproc) cores)"
} > "$raw/table.md"

mkdir -p "$RESULTS"
cp "$raw/table.md" "$table"
cat "$table"
