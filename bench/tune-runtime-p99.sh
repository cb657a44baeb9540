#!/usr/bin/env bash
# Compares runtime settings on the small-call benchmark's open loop, the p99 goal's measurement (bench/results/runtime.md):
# for each round, each setting in turn starts its own cluster (redis-server, two orrery-silo processes, the HTTP/2 peer)
# with the setting in the environment of every process (silos, client, peer), runs one short closed loop (the peak,
# for reference) and an open loop at a fixed rate, and prints one line per run; at the end, per setting, the median of
# the rounds' open-loop p50 and p99 and closed-loop calls/s. Settings alternate within each round so that the
# machine's drift falls on all of them alike.
#
#   bench/tune-runtime-p99.sh 'base:' 'inline:DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1'
#
# A setting is 'label:VAR=value VAR2=value' (nothing after the colon: the defaults). Environment: ROUNDS (3), RATE
# (45000 calls/s offered), ROUTE (client: client -> silos; silo: silo A -> silo B), OPEN_SECONDS (10), CONCURRENCY (256),
# LOG (where every run's output goes; default /tmp/tune-runtime-p99.log). Needs redis-server. About 40 s per run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 'label:VAR=value ...' ..." >&2; exit 2; }
rounds=${ROUNDS:-3}
rate=${RATE:-45000}
route=${ROUTE:-client}
open_seconds=${OPEN_SECONDS:-10}
concurrency=${CONCURRENCY:-256}
log=${LOG:-/tmp/tune-runtime-p99.log}
for setting in "$@"; do
  [[ "$setting" == *:* ]] || { echo "tune-runtime-p99.sh: '$setting' is not 'label:VAR=value ...'" >&2; exit 2; }
done
command -v redis-server >/dev/null 2>&1 || { echo "tune-runtime-p99.sh: redis-server not found; apt-get install redis-server" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build silo -c Release -v quiet -nologo >/dev/null
dotnet build bench/Orrery.Bench.Runtime -c Release -v quiet -nologo >/dev/null
bench=bench/Orrery.Bench.Runtime/bin/Release/net10.0/Orrery.Bench.Runtime

: > "$log"
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), route $route, open loop $rate calls/s for $open_seconds s, closed loop at $concurrency in flight, $rounds rounds"
for round in $(seq 1 "$rounds"); do
  for setting in "$@"; do
    label=${setting%%:*}
    vars=${setting#*:}
    echo "=== round $round setting $label: $vars" >> "$log"
    # shellcheck disable=SC2086 # the variables are split into VAR=value words on purpose
    out=$(env $vars "$bench" --no-write --routes "$route" --concurrency "$concurrency" --reps 1 --call-seconds 2 \
      --open-rate "$rate" --open-seconds "$open_seconds" 2>&1 | tee -a "$log")
    closed=$(grep -E '^\s+orrery c=' <<<"$out" | head -1 | awk '{print $3}' | tr -d ,)
    open=$(grep -E '^\s+orrery open loop' <<<"$out" | head -1)
    p50=$(awk '{for (i = 1; i <= NF; i++) if ($i == "p50") print $(i + 1)}' <<<"$open")
    p99=$(awk '{for (i = 1; i <= NF; i++) if ($i == "p99") print $(i + 1)}' <<<"$open")
    if [ -z "$p99" ]; then
      echo "tune-runtime-p99.sh: round $round, $label: no open-loop line (see $log)" >&2
      continue
    fi
    printf 'round %s  %-12s closed %8s calls/s   open p50 %7s ms  p99 %8s ms\n' "$round" "$label" "$closed" "$p50" "$p99"
    echo "$label $closed $p50 $p99" >> "$summary"
  done
done

echo
echo "median over rounds: setting, closed-loop calls/s, open-loop p50 / p99 (ms)"
for setting in "$@"; do
  label=${setting%%:*}
  awk -v l="$label" 'BEGIN {n = 0} $1 == l {c[n] = $2; a[n] = $3; b[n] = $4; n++}
    function median(x, k,   i, j, t) { for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t } return k % 2 ? x[int(k / 2)] : (x[k / 2 - 1] + x[k / 2]) / 2 }
    END { if (n) printf "  %-12s %8.0f   %6.3f / %7.3f   (%d runs)\n", l, median(c, n), median(a, n), median(b, n), n }' "$summary"
done
