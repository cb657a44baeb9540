#!/usr/bin/env bash
# Accuracy of the metric-graph sampler against dt, boundary: step and bridge (issue 13), measured as error against
# cost: runs `Orrery.Bench.MetricGraphs --mode accuracy` (bench/Orrery.Bench.MetricGraphs/Accuracy) and writes
#   bench/out/accuracy-<date>/accuracy.md      the section for bench/results/metric-graphs.md (machine header + tables)
#   bench/out/accuracy-<date>/*.svg            log-log plots of |error| against dt (a few KB each)
#   bench/out/accuracy-<date>/log.txt          every run's line (ACCURACY ...)
#
#   bench/run-metric-graphs-accuracy.sh                          # the published settings, ~10 minutes on 2 cores
#   ARGS="--dts 0.04,0.02,0.01 --max-particles 400000" bench/run-metric-graphs-accuracy.sh   # a quick look
#
# Plots and logs stay in bench/out/ (git-ignored); bench/results/metric-graphs.md keeps the summary only.
set -euo pipefail
cd "$(dirname "$0")/.."

ARGS=${ARGS:-}
out="bench/out/accuracy-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/Orrery.Bench.MetricGraphs -c Release -v quiet -nologo >/dev/null
bench="bench/Orrery.Bench.MetricGraphs/bin/Release/net10.0/Orrery.Bench.MetricGraphs.dll"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
clock_start=$(date +%s)
# shellcheck disable=SC2086
dotnet "$bench" --mode accuracy --out "$out" $ARGS | tee "$out/log.txt"
elapsed=$(( $(date +%s) - clock_start ))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "Command: \`bench/run-metric-graphs-accuracy.sh\`${ARGS:+ with ARGS=\"$ARGS\"} (\`dotnet $bench --mode accuracy $ARGS\`)."
  echo "Machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores (nproc), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo);" \
    ".NET $(dotnet --version). Date: $started. Commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench tests || echo ' (with uncommitted changes)')." \
    "Load average (1, 5, 15 min) at start $load_start, at end $load_end. Wall time ${elapsed} s."
  echo
  cat "$out/accuracy.md"
} > "$out/section.md"
echo "# wrote $out/section.md and $(ls "$out"/*.svg | wc -l) plots in $out"
