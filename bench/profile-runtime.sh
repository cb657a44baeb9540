#!/usr/bin/env bash
# Where the CPU of small Orleans calls goes: runs the runtime benchmark's client -> silos route at 256 in flight (long
# closed-loop runs) and, while it runs, samples the benchmark process (the Orleans client) and both silo processes with
# `perf record` (call graphs, 999 Hz) for PROFILE_SECONDS (default 8). The .NET processes write perf maps
# (DOTNET_PerfMapEnabled=1, with W^X off so that JIT code has one address), so managed frames have names. Prints, per
# process, the share of samples by code region (JIT-compiled managed code, the runtime's native code, the kernel, ...)
# and the top functions by exclusive samples. Data and reports stay in bench/out/profile/. Installs linux-perf with
# apt-get if perf is missing. About 2 minutes on 2 cores.
#
#   bench/profile-runtime.sh
#   PROFILE_SECONDS=15 TOP=40 bench/profile-runtime.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
seconds=${PROFILE_SECONDS:-8}
top=${TOP:-25}
out=bench/out/profile
mkdir -p "$out"
if ! command -v perf >/dev/null 2>&1; then
  echo "profile-runtime.sh: installing linux-perf with apt-get" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends linux-perf >/dev/null
fi
dotnet build silo -c Release -v quiet -nologo
dotnet build bench/Orrery.Bench.Runtime -c Release -v quiet -nologo

# Inherited by the silo processes the benchmark starts.
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
bench/Orrery.Bench.Runtime/bin/Release/net10.0/Orrery.Bench.Runtime --routes client --concurrency 256 --reps 3 --call-seconds 10 \
  --quiet-budget 0 --no-write > "$out/bench.log" 2>&1 &
bench=$!
trap 'kill $bench 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do grep -q "orrery c=256" "$out/bench.log" 2>/dev/null && break; sleep 0.5; done
siloA=$(pgrep -f "orrery-silo.*--name siloA" | head -1)
siloB=$(pgrep -f "orrery-silo.*--name siloB" | head -1)
[ -n "$siloA" ] && [ -n "$siloB" ] || { echo "profile-runtime.sh: silo processes not found" >&2; tail -20 "$out/bench.log"; exit 1; }
perf record -F 999 -g -p "$bench,$siloA,$siloB" -o "$out/perf.data" -- sleep "$seconds" 2> "$out/perf-record.log"
wait "$bench" || { tail -20 "$out/bench.log"; exit 1; }
grep "c=256" "$out/bench.log" || true

# perf's own per-pid reports key samples by thread; perf script gives each sample's process, so the shares are per process.
perf script -i "$out/perf.data" -F pid,ip,sym,dso --hide-call-graph 2>/dev/null > "$out/samples.txt"
for pid in "$bench" "$siloA" "$siloB"; do
  case $pid in "$bench") name="client (benchmark process)";; "$siloA") name="silo A";; *) name="silo B";; esac
  echo
  echo "## $name (pid $pid): $(awk -v p="$pid" '$1 == p' "$out/samples.txt" | wc -l) samples"
  echo "By code region (JIT-compiled .NET code from the perf map; libcoreclr: runtime, GC, thread pool, stubs; libclrjit: the"
  echo "JIT; [kernel.kallsyms]: system calls, network stack, scheduling):"
  awk -v p="$pid" '$1 == p { d = $NF; gsub(/[()]/, "", d); sub(/.*\//, "", d); if (d ~ /^perf-[0-9]+\.map$/) d = "JIT-compiled .NET code"; c[d]++; t++ }
    END { for (d in c) printf "  %5.1f%%  %s\n", 100 * c[d] / t, d }' "$out/samples.txt" | sort -k1,1nr | head -8
  echo "Top $top functions by exclusive samples:"
  awk -v p="$pid" '$1 == p { $1 = ""; $2 = ""; sub(/^ +/, ""); sub(/ \([^()]*\)$/, ""); sub(/\[(Optimized|OptimizedTier1|OptimizedTier1OSR|QuickJitted|Tier0|Tier1|PreJIT)\]/, ""); c[$0]++; t++ }
    END { for (f in c) printf "  %5.1f%%  %s\n", 100 * c[f] / t, substr(f, 1, 170) }' "$out/samples.txt" | sort -k1,1nr | head -"$top"
done
