#!/usr/bin/env bash
# CPU throughput of the metric-graph sampler (src/Orrery.MetricGraphs) beside its NumPy peer
# (bench/peers/metric_graphs_numpy.py), same scheme, same graphs, same random-number layout, in one run:
# particle-steps per second for the 5-edge star of specs/metric-graphs.md, a vessel-like network of
# 1,702 vertices and 1,701 edges, and the accuracy study's star with absorbing leaves (star-exit), and the
# ratio Orrery / NumPy. Both use BOUNDARY (bridge, the default, or step) for absorbing ends; star5 has none.
# The exits column lets you check that both count the same exits (same Philox words, bridge test included).
#
#   bench/run-metric-graphs-cpu.sh                       # 10^6 particles, 400 steps each
#   PARTICLES=200000 STEPS=200 bench/run-metric-graphs-cpu.sh
#   BOUNDARY=step SCENARIOS=vessel bench/run-metric-graphs-cpu.sh
#
# Orrery uses all cores (THREADS=-1) and reports the median of REPEAT runs after a warm-up; NumPy runs
# once on one core (NumPy's element-wise operations are single-threaded). Installs python3-numpy with
# apt-get if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PARTICLES=${PARTICLES:-1000000}
STEPS=${STEPS:-400}
THREADS=${THREADS:--1}
REPEAT=${REPEAT:-3}
BOUNDARY=${BOUNDARY:-bridge}
SCENARIOS=${SCENARIOS:-star5 vessel star-exit}
PYTHON=${PYTHON:-/usr/bin/python3}

if ! "$PYTHON" -c 'import numpy' >/dev/null 2>&1; then
  echo "run-metric-graphs-cpu.sh: installing python3-numpy with apt-get" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends python3-numpy >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/Orrery.Bench.MetricGraphs -c Release -v quiet -nologo >/dev/null
bench="bench/Orrery.Bench.MetricGraphs/bin/Release/net10.0/Orrery.Bench.MetricGraphs.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; .NET $(dotnet --version); NumPy $("$PYTHON" -c 'import numpy; print(numpy.__version__)')"
echo "# $PARTICLES particles x $STEPS steps; boundary $BOUNDARY; Orrery threads $THREADS (median of $REPEAT), NumPy 1 thread; load average $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

printf '\n| scenario | implementation | particle-steps | seconds | particle-steps/s | splits/step | exits |\n|---|---|---|---|---|---|---|\n' > "$work/table"
for scenario in $SCENARIOS; do
  case $scenario in
    star5) start="vertex:c"; dt="1e-5" ;;
    vessel) start="uniform"; dt="2.5e-3" ;;
    star-exit) start="vertex:c"; dt="1e-3" ;;
  esac
  dotnet "$bench" --scenario "$scenario" --particles "$PARTICLES" --steps "$STEPS" --threads "$THREADS" --repeat "$REPEAT" \
    --boundary "$BOUNDARY" --export-graph "$work/$scenario.json" | tee "$work/$scenario.orrery"
  "$PYTHON" bench/peers/metric_graphs_numpy.py --graph "$work/$scenario.json" --scenario "$scenario" --start "$start" --dt "$dt" \
    --particles "$PARTICLES" --steps "$STEPS" --boundary "$BOUNDARY" | tee "$work/$scenario.numpy"
  ours=$(grep '^RESULT' "$work/$scenario.orrery" | field rate | median)
  ours_line=$(grep '^RESULT' "$work/$scenario.orrery" | grep "rate=$ours" | head -1)
  peer_line=$(grep '^RESULT' "$work/$scenario.numpy")
  peer=$(echo "$peer_line" | field rate)
  for line in "$ours_line" "$peer_line"; do
    impl=$(echo "$line" | field impl)
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$scenario" "$impl" "$(echo "$line" | field particle_steps)" \
      "$(echo "$line" | field seconds)" "$(echo "$line" | field rate)" "$(echo "$line" | field splits_per_step)" "$(echo "$line" | field exited)" >> "$work/table"
  done
  awk -v a="$ours" -v b="$peer" -v s="$scenario" 'BEGIN { printf "| %s | **Orrery / NumPy** | | | **%.1fx** | | |\n", s, a / b }' >> "$work/table"
done
cat "$work/table"
echo "# load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
