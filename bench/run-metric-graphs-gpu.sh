#!/usr/bin/env bash
# GPU throughput of the metric-graph sampler (CudaMetricGraphSampler, kernels/metric_graph.cu) beside its
# PyTorch peer (bench/peers/metric_graph_torch.py) on the same GPU, in one run: particle-steps per second
# for the 5-edge star of specs/metric-graphs.md (lengths 10, sigma 1, drift -c x with c = 10..50,
# dt 1e-5, start at the centre) and the vessel-like network (1,702 vertices, 1,701 edges, dt 2.5e-3,
# uniform start), for 10^6, 10^7 and 10^8 particles, and the ratio Orrery / PyTorch. Writes the table
# (device, date, command, figures) to bench/results/metric-graphs-gpu-<UTC date>.md and prints it.
#
# Goals (specs/metric-graphs.md, issue 3): >= 1e11 particle-steps/s at 10^8 particles on an H100, and
# >= 100x the PyTorch peer. The script prints whether each held.
#
#   bench/run-metric-graphs-gpu.sh                    # publish (needs dotnet) and run
#   bench/run-metric-graphs-gpu.sh --publish-only     # on a build machine: publish into .gpu/bench-metric-graphs
#   bench/run-metric-graphs-gpu.sh --no-publish       # on the GPU machine, after copying .gpu/ over
#   PARTICLES="1000000 10000000" STEPS=1000 TORCH_STEPS=50 bench/run-metric-graphs-gpu.sh --no-publish
#   BENCH_DIR=.gpu/pack bench/run-metric-graphs-gpu.sh --no-publish   # a published folder elsewhere
#
# Orrery: a self-contained published Orrery.Bench.MetricGraphs (no .NET needed on the GPU machine), with
# --device cuda: STEPS steps (default 2000) after a warm-up that compiles the kernel with NVRTC; the time
# is the whole Advance, the state's upload and download and the counts included; median of REPEAT runs.
# Scheme: the PyTorch peer implements `boundary: step` only (no bridge tests, no passage times), so both run it:
# BOUNDARY (default step) goes to Orrery. BOUNDARY=bridge measures Orrery's default scheme (junction and absorbing
# ends bridge-tested: about 3x dearer per particle-step on the CPU), against the same step peer: that ratio compares
# different schemes and says so in the table.
# PyTorch: the same scheme, same graph (exported by the Orrery run), same Philox layout, TORCH_STEPS steps
# (default 100: it runs ~100x slower, and a particle-step costs the same at any step count), one run after
# its own warm-up. Needs on the GPU machine: the NVIDIA driver, NVRTC (CUDA 12 or 13; the loader path,
# CUDA_HOME or /usr/local/cuda), and python3 with torch.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/gpu-common.sh
out=${BENCH_DIR:-.gpu/bench-metric-graphs}
flag=${1:-}
case "$flag" in
  --no-publish|--publish-only) shift ;;
esac

PARTICLES=${PARTICLES:-"1000000 10000000 100000000"}
SCENARIOS=${SCENARIOS:-"star5 vessel"}
STEPS=${STEPS:-2000}
TORCH_STEPS=${TORCH_STEPS:-100}
REPEAT=${REPEAT:-3}
BOUNDARY=${BOUNDARY:-step}
PYTHON=${PYTHON:-python3}

gpu_publish run-metric-graphs-gpu.sh bench/Orrery.Bench.MetricGraphs/Orrery.Bench.MetricGraphs.csproj "$out" Orrery.Bench.MetricGraphs "$flag" || exit 0

bench="$out/Orrery.Bench.MetricGraphs"
gpu_require run-metric-graphs-gpu.sh "$PYTHON" torch

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gpu_describe
torch_version=$("$PYTHON" -c 'import torch; print(torch.__version__)')
results="bench/results/metric-graphs-gpu-$(date -u +%Y-%m-%d).md"
command_line="PARTICLES=\"$PARTICLES\" STEPS=$STEPS TORCH_STEPS=$TORCH_STEPS REPEAT=$REPEAT bench/run-metric-graphs-gpu.sh"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

{
  echo "# Metric-graph sampling on one GPU: Orrery (CUDA) vs PyTorch"
  echo
  echo "- Device: $gpu_name; $(nproc) CPU cores"
  echo "- Date: $date_utc; code: commit $commit; PyTorch $torch_version"
  echo "- Command: \`$command_line\`"
  echo "- Orrery: $STEPS steps, median of $REPEAT runs, time of the whole Advance (uploads and downloads included);"
  echo "  PyTorch: $TORCH_STEPS steps, one run. Occupation sampled every 100 steps into 32 bins per edge."
  echo "- Scheme: Orrery boundary: $BOUNDARY; PyTorch step (the peer has no bridge)$([ "$BOUNDARY" = step ] || echo ': the ratio compares different schemes')."
  echo "- Goals: >= 1e11 particle-steps/s at 10^8 particles (stated for an H100), >= 100x PyTorch."
  echo
  echo "| scenario | particles | Orrery particle-steps/s | issue fraction (est.) | PyTorch particle-steps/s | Orrery / PyTorch |"
  echo "|---|---|---|---|---|---|"
} > "$work/table"

goal_rate=ok
goal_ratio=ok
for scenario in $SCENARIOS; do
  case $scenario in
    star5) start="vertex:c"; dt="1e-5" ;;
    vessel) start="uniform"; dt="2.5e-3" ;;
    *) echo "run-metric-graphs-gpu.sh: unknown scenario $scenario" >&2; exit 2 ;;
  esac
  for n in $PARTICLES; do
    "$bench" --scenario "$scenario" --device cuda --particles "$n" --steps "$STEPS" --repeat "$REPEAT" \
      --boundary "$BOUNDARY" --export-graph "$work/$scenario.json" | tee "$work/$scenario.$n.orrery"
    # Warm-up of the peer (CUDA context, kernels) on a small ensemble, then the measured run.
    "$PYTHON" bench/peers/metric_graph_torch.py --graph "$work/$scenario.json" --scenario "$scenario" --start "$start" --dt "$dt" \
      --particles 100000 --steps 4 >/dev/null
    "$PYTHON" bench/peers/metric_graph_torch.py --graph "$work/$scenario.json" --scenario "$scenario" --start "$start" --dt "$dt" \
      --particles "$n" --steps "$TORCH_STEPS" | tee "$work/$scenario.$n.torch"
    ours=$(grep '^RESULT' "$work/$scenario.$n.orrery" | field rate | median)
    issue=$(grep '^RESULT' "$work/$scenario.$n.orrery" | grep "rate=$ours" | head -1 | field issue_fraction)
    peer=$(grep '^RESULT' "$work/$scenario.$n.torch" | field rate)
    ratio=$(awk -v a="$ours" -v b="$peer" 'BEGIN { printf "%.1f", a / b }')
    printf '| %s | %s | %s | %s | %s | %sx |\n' "$scenario" "$n" "$ours" "$issue" "$peer" "$ratio" >> "$work/table"
    awk -v r="$ratio" 'BEGIN { exit !(r < 100) }' && goal_ratio="missed ($scenario, $n particles: ${ratio}x)"
    if [ "$n" -ge 100000000 ]; then
      awk -v a="$ours" 'BEGIN { exit !(a < 1e11) }' && goal_rate="missed ($scenario: $ours)"
    fi
  done
done
{
  echo
  echo "Goal >= 1e11 particle-steps/s at 10^8 particles: $goal_rate. Goal >= 100x PyTorch: $goal_ratio."
  echo "The issue fraction is the rate x ~100 thread-instructions per particle-step over SMs x 128 lanes x 1.98 GHz (an estimate; see bench/Orrery.Bench.MetricGraphs/Program.cs)."
} >> "$work/table"
cp "$work/table" "$results"
echo
cat "$results"
echo "(written to $results)"
