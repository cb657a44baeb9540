#!/usr/bin/env bash
# Builds orrery-silo and the runtime benchmark in Release and runs it: two real silo processes
# (Orleans, Redis clustering), small grain calls from a load grain on silo A to echo grains on silo B
# against an HTTP/2 echo peer. Tensors between silos are measured by bench/run-tensors-orleans.sh.
# Writes bench/results/runtime.md (hand-written notes at its end are kept). Arguments go to the
# benchmark: --reps N, --call-seconds S, --concurrency 1,16,64,256, --open-rate R, --open-seconds S,
# --open-workers N, --no-write.
# Needs redis-server on PATH (apt-get install redis-server). About 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
command -v redis-server >/dev/null 2>&1 || { echo "run-runtime.sh: redis-server not found; apt-get install redis-server" >&2; exit 1; }
dotnet build silo -c Release -v quiet -nologo
dotnet build bench/Orrery.Bench.Runtime -c Release -v quiet -nologo

export ORRERY_BENCH_COMMAND="bench/run-runtime.sh${*:+ $*}"
exec bench/Orrery.Bench.Runtime/bin/Release/net10.0/Orrery.Bench.Runtime "$@"
