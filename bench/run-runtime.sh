#!/usr/bin/env bash
# Builds orrery-silo and the runtime benchmark in Release and runs it: two real silo processes
# with Redis membership, small calls against an HTTP/2 echo peer, tensors against a raw socket
# pair. Writes bench/results/runtime.md (hand-written notes at its end are kept). Arguments go
# to the benchmark: --only calls|tensor, --reps N, --call-seconds S, --concurrency 1,16,64,256, --open-rate R,
# --sizes-mib 1,4,16,64,256, --tensor-gib G, --tensor-inflight N, --connections N, --no-write.
# Needs redis-server on PATH (apt-get install redis-server). About 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
command -v redis-server >/dev/null 2>&1 || { echo "run-runtime.sh: redis-server not found; apt-get install redis-server" >&2; exit 1; }
dotnet build silo -c Release -v quiet -nologo
dotnet build bench/Orrery.Bench.Runtime -c Release -v quiet -nologo

export ORRERY_BENCH_COMMAND="bench/run-runtime.sh${*:+ $*}"
exec bench/Orrery.Bench.Runtime/bin/Release/net10.0/Orrery.Bench.Runtime "$@"
