#!/usr/bin/env bash
# Small calls silo A -> silo B on Orleans (today's runtime) next to Orrery's previous grain runtime, deleted by the
# move onto Orleans, built from the last commit that had it (ca69a1e; ORRERY_PREVIOUS_RUNTIME=<rev> picks another)
# in a git worktree outside the repository (${XDG_CACHE_HOME:-~/.cache}/orrery-bench/previous-runtime). Both benchmarks run alternately, ROUNDS times (default 3), each with one
# repetition per concurrency and its own HTTP/2 echo peer, so the two runtimes share the machine's state as far as
# alternation allows. Prints one markdown table (median of the rounds) and keeps every log in bench/out/runtime-previous/.
# Arguments go to both benchmarks (for example --concurrency 64,256,1024 --call-seconds 3).
# Needs redis-server on PATH. About 4 minutes per round on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rev=${ORRERY_PREVIOUS_RUNTIME:-ca69a1e}
rounds=${ROUNDS:-3}
tree=${XDG_CACHE_HOME:-$HOME/.cache}/orrery-bench/previous-runtime
mkdir -p "$(dirname "$tree")"
logs=bench/out/runtime-previous
mkdir -p "$logs"
if [ ! -d "$tree" ]; then
  git worktree add --detach "$tree" "$rev" >/dev/null
fi
[ "$(git -C "$tree" rev-parse --short=7 HEAD)" = "$(git rev-parse --short=7 "$rev")" ] || { echo "run-runtime-previous.sh: $tree is not at $rev; remove it (git worktree remove --force $tree)" >&2; exit 1; }

dotnet build silo -c Release -v quiet -nologo
dotnet build bench/Orrery.Bench.Runtime -c Release -v quiet -nologo
dotnet build "$tree/silo" -c Release -v quiet -nologo
dotnet build "$tree/bench/Orrery.Bench.Runtime" -c Release -v quiet -nologo

args=(--concurrency 64,256,1024 --reps 1 --quiet-budget 0 --no-write "$@")
for round in $(seq 1 "$rounds"); do
  echo "# round $round of $rounds: Orleans"
  bench/Orrery.Bench.Runtime/bin/Release/net10.0/Orrery.Bench.Runtime --routes silo "${args[@]}" > "$logs/orleans-$round.log" 2>&1 \
    || { tail -20 "$logs/orleans-$round.log"; exit 1; }
  echo "# round $round of $rounds: previous runtime ($rev)"
  # --silo: the previous benchmark finds its repository from the working directory, which is this one. At that
  # commit a silo process also ran an Orleans silo beside the old runtime (OrleansSilo:Enabled, default true, fixed
  # ports): off, so that the two silos do not collide on those ports and only the old runtime is measured.
  ORRERY_OrleansSilo__Enabled=false OrleansSilo__Enabled=false "$tree/bench/Orrery.Bench.Runtime/bin/Release/net10.0/Orrery.Bench.Runtime" --only calls --silo "$tree/silo/bin/Release/net10.0/orrery-silo" "${args[@]}" > "$logs/previous-$round.log" 2>&1 \
    || { tail -20 "$logs/previous-$round.log"; exit 1; }
done

# Each benchmark prints one line per measured run: "  orrery c=64   123,456 calls/s  p50 ... p99 ..." and "  http2  c=64 ...".
summary() { # side file-prefix
  cat "$logs/$2"-*.log | awk -v side="$1" '
    $1 == side && $2 ~ /^c=/ { c = substr($2, 3); gsub(",", "", $3); n[c]++; v[c, n[c]] = $3; p99[c, n[c]] = $9 }
    END { for (c in n) { m = n[c]; for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[c, j] < v[c, i]) { t = v[c, i]; v[c, i] = v[c, j]; v[c, j] = t; t = p99[c, i]; p99[c, i] = p99[c, j]; p99[c, j] = t }
          k = int((m + 1) / 2); printf "%s %d %.0f %s\n", side, c, v[c, k], p99[c, k] } }'
}
{
  summary orrery orleans | sed 's/^orrery/orleans/'
  summary http2 orleans | sed 's/^http2/http2-orleans-run/'
  summary orrery previous | sed 's/^orrery/previous/'
  summary http2 previous | sed 's/^http2/http2-previous-run/'
} | sort -k2n > "$logs/summary.txt"

echo
echo "| in flight | Orleans calls/s (p99 ms) | previous runtime calls/s (p99 ms) | Orleans / previous | HTTP/2 in the Orleans runs | HTTP/2 in the previous runtime's runs |"
echo "|---:|---:|---:|---:|---:|---:|"
awk '{ v[$1, $2] = $3; p[$1, $2] = $4; c[$2] = 1 }
  END { for (k in c) printf "| %d | %s (%s) | %s (%s) | %.2f | %s | %s |\n", k, v["orleans", k], p["orleans", k], v["previous", k], p["previous", k],
        v["orleans", k] / v["previous", k], v["http2-orleans-run", k], v["http2-previous-run", k] }' "$logs/summary.txt" | sort -t'|' -k2n
echo
echo "Open loop at half of each side's own peak, p99 in ms per round (Orleans; previous runtime):"
for prefix in orleans previous; do
  printf '%s:' "$prefix"
  cat "$logs/$prefix"-*.log | awk '$1 == "orrery" && $2 == "open" { printf " %s at %s", $12, $5 }'
  echo
done
echo
echo "(median of $rounds rounds; logs in $logs; commit $(git rev-parse --short HEAD) against $rev; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC'))"
