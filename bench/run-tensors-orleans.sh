#!/usr/bin/env bash
# Builds the runtime benchmark in Release and runs its Orleans tensor mode: two real Orleans silo processes on
# loopback (localhost clustering, no Redis), float32 tensors read by a grain on silo A from a grain on silo B as a
# TensorRef over the tensor channel, as the bytes of an Orleans message, and by the raw socket pair, alternated in
# the same run. Writes its section of bench/results/runtime.md (the rest of the file is kept). Arguments go to the
# benchmark: --sizes-mib 16,64,256, --reps N, --gib G (per run and direction), --inflight N, --max-body-mib M,
# --no-write. About 5 minutes on 2 cores with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/Orrery.Bench.Runtime -c Release -v quiet -nologo

export ORRERY_BENCH_COMMAND="bench/run-tensors-orleans.sh${*:+ $*}"
exec bench/Orrery.Bench.Runtime/bin/Release/net10.0/Orrery.Bench.Runtime orleans-tensors "$@"
