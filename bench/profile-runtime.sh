#!/usr/bin/env bash
# Where the time of a small Orleans call goes: runs the runtime benchmark's client -> silos route at 256 in flight
# (long closed-loop runs), and while it runs samples the CPU of silo B and of the benchmark process (the Orleans
# client) with dotnet-trace (installed into ${XDG_CACHE_HOME:-~/.cache}/orrery-bench/tools on first use), then prints
# each process's top methods by exclusive time. Traces are kept in bench/out/profile/. About 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tools=${XDG_CACHE_HOME:-$HOME/.cache}/orrery-bench/tools
out=bench/out/profile
mkdir -p "$tools" "$out"
[ -x "$tools/dotnet-trace" ] || dotnet tool install --tool-path "$tools" dotnet-trace >/dev/null
dotnet build silo -c Release -v quiet -nologo
dotnet build bench/Orrery.Bench.Runtime -c Release -v quiet -nologo

bench/Orrery.Bench.Runtime/bin/Release/net10.0/Orrery.Bench.Runtime --routes client --concurrency 256 --reps 3 --call-seconds 8 \
  --quiet-budget 0 --no-write > "$out/bench.log" 2>&1 &
bench=$!
trap 'kill $bench 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do grep -q "orrery c=256" "$out/bench.log" 2>/dev/null && break; sleep 0.5; done
silo=$(pgrep -f "orrery-silo.*--name siloB" | head -1)
"$tools/dotnet-trace" collect -p "$silo" --profile dotnet-common,dotnet-sampled-thread-time --duration 00:00:00:08 -o "$out/siloB.nettrace" >/dev/null &
tracer=$!
"$tools/dotnet-trace" collect -p "$bench" --profile dotnet-common,dotnet-sampled-thread-time --duration 00:00:00:08 -o "$out/client.nettrace" >/dev/null
wait "$tracer"
wait "$bench" || { tail -20 "$out/bench.log"; exit 1; }
grep "c=256" "$out/bench.log"
for side in siloB client; do
  echo "## $side: top 25 methods by exclusive CPU samples"
  "$tools/dotnet-trace" report "$out/$side.nettrace" topN -n 25
done
