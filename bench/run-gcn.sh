#!/usr/bin/env bash
# The GCN benchmark (specs/gcn.md "Benchmarks", issue 11), CPU part, in one run:
#   1. graph:    a contextual stochastic block model written as files (edges.csv, features.npy, labels.npy) by
#                bench/Orrery.Bench.Gcn, with the split Orrery's loader draws for them (split.npy) for the peer.
#   2. loopback: for each silo count in SILO_COUNTS (1 2 4) a Redis on loopback and that many real orrery-silo
#                processes (one cluster each); `orrery run` trains the files with partitioning.parts = silos (METIS,
#                one part per silo) in each exchange mode of MODES (vanilla pipelined smoothed).
#   3. torch:    bench/peers/gcn_torch.py trains the same model on the same files with PyTorch on the CPU, right
#                after the 1-silo runs; given their final weights it first checks that its forward gives their accuracies.
#   4. shaped:   SHAPED_SILOS (4) silos, each in its own network namespace with a veth pair to a bridge that holds
#                Redis and the client; both directions of every veth shaped with tc (tbf, or SHAPER=htb) to each rate
#                of LINKS (10gbit 1gbit), measured with one TCP stream; vanilla and pipelined (SHAPED_MODES) per rate.
#                Needs root (ip netns, tc).
# Every run's metrics.csv/summary.json, the logs, specs and the report land in bench/out/gcn-<UTC time>/ (git-ignored);
# the report (report.md, also printed) gives per run the median epoch time after WARMUP epochs split into compute
# and exchange, the final test accuracy, Orrery 1 silo / PyTorch, and pipelined / vanilla per link rate.
#
#   bench/run-gcn.sh                                   # everything, about 15 minutes on 2 cores
#   PHASES="loopback torch" bench/run-gcn.sh           # no namespaces
#   NODES=20000 EPOCHS=8 SILO_COUNTS="1 2" MODES=vanilla PHASES=loopback bench/run-gcn.sh   # a quick check
#   NO_BUILD=1 ...                                     # use the Release builds already there
#
# Every wait has a deadline; on exit (normal, error or Ctrl-C) the silos, Redis and the namespaces go.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCRIPT_START=$(date +%s)

# The graph: N nodes in CLASSES classes, DEGREE expected neighbours in the own class and CROSS_DEGREE in the others,
# FEATURES Gaussian features with class means SEPARATION sigma from the origin.
NODES=${NODES:-100000}
FEATURES=${FEATURES:-64}
CLASSES=${CLASSES:-4}
DEGREE=${DEGREE:-8}
CROSS_DEGREE=${CROSS_DEGREE:-2}
SEPARATION=${SEPARATION:-1.0}
GRAPH_SEED=${GRAPH_SEED:-1}
# The model and training, the same on both sides.
LAYERS=${LAYERS:-3}
HIDDEN=${HIDDEN:-128}
LINEAR_LAYERS=${LINEAR_LAYERS:-1}
DROPOUT=${DROPOUT:-0.5}
EPOCHS=${EPOCHS:-12}
WARMUP=${WARMUP:-2}
# Epochs between evaluation passes (training.evaluate_every; the last epoch is always evaluated). Throughput is compared
# on whole epochs (step + the evaluations that ran), since the pipelined exchanges run on through the evaluation.
EVALUATE_EVERY=${EVALUATE_EVERY:-5}
LR=${LR:-0.003}
WEIGHT_DECAY=${WEIGHT_DECAY:-0.0005}
SEED=${SEED:-1}
# What runs.
PHASES=${PHASES:-loopback torch shaped}
SILO_COUNTS=${SILO_COUNTS:-1 2 4}
MODES=${MODES:-vanilla pipelined smoothed}
SHAPED_SILOS=${SHAPED_SILOS:-4}
SHAPED_MODES=${SHAPED_MODES:-vanilla pipelined}
LINKS=${LINKS:-10gbit 1gbit}
SHAPER=${SHAPER:-tbf}
# The queue behind each shaper: fifo (the shaper's own single queue, like a switch port's buffer); fq_codel (flows
# queued apart, as a Linux host's default qdisc does; this VM's kernel has no sch_fq_codel); or dscp (htb with two
# classes at the same rate: unmarked packets, Orleans's calls among them, first; the tensor channel's packets, marked
# AF11 by Orrery's Tensors:Dscp default, after; like a switch port with traffic classes).
QUEUE=${QUEUE:-fifo}
# Deadlines (seconds): one `orrery run`, a silo's start, a cluster's membership.
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
READY_TIMEOUT=${READY_TIMEOUT:-120}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-bench/out/gcn-$(date -u +%Y%m%dT%H%M%SZ)}

mkdir -p "$OUT/logs" "$OUT/runs" "$OUT/specs" "$OUT/graph"
OUT=$(cd "$OUT" && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
SILO_DLL=$ROOT/silo/bin/Release/net10.0/orrery-silo.dll
CLIENT_DLL=$ROOT/client/bin/Release/net10.0/orrery.dll
BENCH_DLL=$ROOT/bench/Orrery.Bench.Gcn/bin/Release/net10.0/Orrery.Bench.Gcn.dll
NS_PREFIX=orrgcn
BRIDGE=${NS_PREFIX}br
SUBNET=10.77.0

say() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/log.txt" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# --- processes and namespaces this script started, removed on exit ----------------------------------------------
PIDS=()
NAMESPACES=()
BRIDGE_CREATED=
stop_pids() {
  local pid deadline
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$(($(date +%s) + 30))
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ ${#PIDS[@]} -eq 0 ] || stop_pids "${PIDS[@]}"
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  [ -z "$BRIDGE_CREATED" ] || ip link del "$BRIDGE" 2>/dev/null || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bounded SECONDS COMMAND...: COMMAND under `timeout`, in the background and waited for, so that a TERM or INT to this
# script runs the cleanup at once (bash defers traps while a foreground command runs) and the cleanup ends it too.
bounded() {
  local seconds=$1 pid status=0
  shift
  timeout "$seconds" "$@" &
  pid=$!
  PIDS+=("$pid")
  wait "$pid" || status=$?
  forget_pids "$pid"
  return "$status"
}

# forget_pids PID...: drops the PIDs (ended) from PIDS.
forget_pids() {
  local pid remaining=()
  for pid in "${PIDS[@]}"; do [[ " $* " == *" $pid "* ]] || remaining+=("$pid"); done
  PIDS=("${remaining[@]}")
}

free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 0.25 s until it succeeds, failing after SECONDS.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what did not happen within ${seconds}s"
    sleep 0.25
  done
}

# start_redis BIND PORT: a redis-server without persistence; its pid is added to PIDS. Protected mode (loopback
# clients only) is off: on the bridge the silos connect from their namespaces, and nothing else reaches that address.
start_redis() {
  local bind=$1 port=$2
  mkdir -p "$OUT/redis-$port"
  redis-server --port "$port" --bind "$bind" --protected-mode no --dir "$OUT/redis-$port" --save "" --appendonly no --daemonize no \
    --logfile "$OUT/logs/redis-$port.log" &
  PIDS+=($!)
  wait_for 20 "redis on $bind:$port answering PING" bash -c "[ \"\$(redis-cli -h $bind -p $port ping)\" = PONG ]"
}

# start_silo NAMESPACE(or -) NAME BIND REDIS CLUSTER: one orrery-silo; sets SILO_PID, SILO_GATEWAY, SILO_HTTP.
start_silo() {
  local ns=$1 name=$2 bind=$3 redis=$4 cluster=$5 port prefix=()
  port=$(free_port); SILO_GATEWAY=$(free_port); SILO_HTTP=$(free_port)
  [ "$ns" = - ] || prefix=(ip netns exec "$ns")
  ORRERY_Cluster__Secret=$CLUSTER_SECRET ORRERY_Logging__LogLevel__Default=Warning ORRERY_Silo__ShutdownGracePeriod=00:00:05 DOTNET_gcServer=0 \
    "${prefix[@]}" dotnet "$SILO_DLL" --membership redis --redis "$redis" --name "$name" --bind "$bind" --cluster-id "$cluster" \
    --port "$port" --gateway-port "$SILO_GATEWAY" --tensor-port 0 --http-port "$SILO_HTTP" >"$OUT/logs/$name.log" 2>&1 &
  SILO_PID=$!
  PIDS+=("$SILO_PID")
}

# start_cluster NAMESPACE_PREFIX(or -) COUNT REDIS CLUSTER: COUNT silos, ready and all active; sets CLUSTER_PIDS, GATEWAY.
start_cluster() {
  local ns_prefix=$1 count=$2 redis=$3 cluster=$4 i ns bind started=()
  CLUSTER_PIDS=()
  for i in $(seq 1 "$count"); do
    if [ "$ns_prefix" = - ]; then ns=-; bind=127.0.0.1; else ns=$ns_prefix$i; bind=$SUBNET.$((10 + i)); fi
    start_silo "$ns" "$cluster-silo$i" "$bind" "$redis" "$cluster"
    CLUSTER_PIDS+=("$SILO_PID"); started+=("$bind:$SILO_HTTP")
    [ "$i" -ne 1 ] || GATEWAY=$bind:$SILO_GATEWAY
  done
  for i in "${!started[@]}"; do
    wait_for "$READY_TIMEOUT" "silo $cluster-silo$((i + 1)) ready (/readyz; log $OUT/logs/$cluster-silo$((i + 1)).log)" \
      bash -c "kill -0 ${CLUSTER_PIDS[$i]} && curl -sf --max-time 2 http://${started[$i]}/readyz"
  done
  wait_for "$READY_TIMEOUT" "$count active silos in cluster $cluster" \
    bash -c "dotnet '$CLIENT_DLL' silos --gateway '$GATEWAY' --cluster-id '$cluster' | grep -q '^$count active of'"
  say "cluster $cluster: $count silos active, gateway $GATEWAY"
}

stop_cluster() {
  stop_pids "${CLUSTER_PIDS[@]}"
  forget_pids "${CLUSTER_PIDS[@]}"
}

# run_orrery LABEL PARTS MODE CLUSTER: one `orrery run` of the benchmark spec into runs/LABEL.
run_orrery() {
  local label=$1 parts=$2 mode=$3 cluster=$4 spec=$OUT/specs/$1.yaml started
  cat >"$spec" <<EOF
kind: gcn
name: $label
data: { source: files, edges: $OUT/graph/edges.csv, features: $OUT/graph/features.npy, labels: $OUT/graph/labels.npy, undirected: true, seed: $SEED }
model: { layers: $LAYERS, hidden: $HIDDEN, linear_layers: $LINEAR_LAYERS, kind: sage, dropout: $DROPOUT }
partitioning: { method: metis, parts: $parts }
exchange: { mode: $mode }
training: { epochs: $EPOCHS, learning_rate: $LR, weight_decay: $WEIGHT_DECAY, seed: $SEED, evaluate_every: $EVALUATE_EVERY }
EOF
  started=$(date +%s)
  say "run $label (load $(cut -d' ' -f1-3 /proc/loadavg))"
  bounded "$RUN_TIMEOUT" dotnet "$CLIENT_DLL" run "$spec" --gateway "$GATEWAY" --cluster-id "$cluster" --out "$OUT/runs/$label" \
    >"$OUT/logs/$label.client.log" 2>&1 || fail "orrery run $label (exit $?; see $OUT/logs/$label.client.log)"
  [ -f "$OUT/runs/$label/summary.json" ] || fail "orrery run $label wrote no summary.json"
  say "run $label: $(grep -m1 'final loss' "$OUT/logs/$label.client.log" | sed 's/^ *//') ($(($(date +%s) - started)) s)"
}

# --- header -----------------------------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src silo client bench 2>/dev/null || echo "+changes")
{
  echo "# GCN benchmark, $(date -u +%FT%TZ)"
  echo
  echo "- command: \`$(for v in NODES FEATURES CLASSES DEGREE CROSS_DEGREE SEPARATION LAYERS HIDDEN LINEAR_LAYERS DROPOUT EPOCHS WARMUP EVALUATE_EVERY LR WEIGHT_DECAY PHASES SILO_COUNTS MODES SHAPED_SILOS SHAPED_MODES LINKS SHAPER QUEUE; do printf '%s="%s" ' "$v" "${!v}"; done)bench/run-gcn.sh\`"
  echo "- machine: $(uname -n), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB; $(uname -sr)"
  echo "- software: .NET $(dotnet --version), PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)'), redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
  echo "- commit: $commit"
  echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/header.md"
cat "$OUT/header.md" >&2

if [ -z "${NO_BUILD:-}" ]; then
  say "building silo, client and bench/Orrery.Bench.Gcn (Release)"
  for project in silo/Orrery.Silo.csproj client/Orrery.Client.csproj bench/Orrery.Bench.Gcn/Orrery.Bench.Gcn.csproj; do
    dotnet build "$project" -c Release -v q -nologo >"$OUT/logs/build-$(basename "$project" .csproj).log" 2>&1 \
      || fail "dotnet build $project (see $OUT/logs/build-$(basename "$project" .csproj).log)"
  done
fi
CLUSTER_SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

say "graph: $NODES nodes"
dotnet "$BENCH_DLL" graph --out "$OUT/graph" --nodes "$NODES" --features "$FEATURES" --classes "$CLASSES" --degree "$DEGREE" \
  --cross-degree "$CROSS_DEGREE" --separation "$SEPARATION" --seed "$GRAPH_SEED" --split-seed "$SEED" | tee "$OUT/graph.txt" >&2

# --- PyTorch ----------------------------------------------------------------------------------------------------
# Runs right after the 1-silo cluster is gone (the quietest moment of the script, and the nearest in time to the
# run it is compared with). With that run's final weights the peer's forward must give that run's accuracies: the
# same model.
torch_done=
run_torch() {
  local check=()
  torch_done=1
  say "PyTorch peer (load $(cut -d' ' -f1-3 /proc/loadavg))"
  [ ! -d "$OUT/runs/loopback-s1-vanilla/weights" ] || check=(--orrery-weights "$OUT/runs/loopback-s1-vanilla/weights")
  bounded "$RUN_TIMEOUT" "$PYTHON" bench/peers/gcn_torch.py "${check[@]}" --edges "$OUT/graph/edges.csv" --features "$OUT/graph/features.npy" \
    --labels "$OUT/graph/labels.npy" --split "$OUT/graph/split.npy" --layers "$LAYERS" --hidden "$HIDDEN" --linear-layers "$LINEAR_LAYERS" \
    --dropout "$DROPOUT" --epochs "$EPOCHS" --warmup "$WARMUP" --lr "$LR" --weight-decay "$WEIGHT_DECAY" --seed "$SEED" \
    --out "$OUT/torch.json" --csv "$OUT/torch.csv" >"$OUT/logs/torch.out" 2>"$OUT/logs/torch.log" || fail "PyTorch peer (see $OUT/logs/torch.log)"
  tee -a "$OUT/log.txt" <"$OUT/logs/torch.out" >&2
}

# --- loopback ---------------------------------------------------------------------------------------------------
if [[ " $PHASES " == *" loopback "* ]]; then
  redis_port=$(free_port)
  start_redis 127.0.0.1 "$redis_port"
  for silos in $SILO_COUNTS; do
    start_cluster - "$silos" "127.0.0.1:$redis_port" "gcn-loop$silos"
    for mode in $MODES; do run_orrery "loopback-s$silos-$mode" "$silos" "$mode" "gcn-loop$silos"; done
    stop_cluster
    if [ "$silos" -eq 1 ] && [[ " $PHASES " == *" torch "* ]]; then run_torch; fi
  done
fi
if [[ " $PHASES " == *" torch "* ]] && [ -z "$torch_done" ]; then run_torch; fi

# --- shaped links -----------------------------------------------------------------------------------------------
# shape RATE: both directions of every silo's veth to RATE (tbf with a burst of 2 ms at that rate, at least 64 KiB;
# or htb), so each silo has RATE up and RATE down to the bridge, like a port of a switch; QUEUE=fq_codel puts a
# per-flow fair queue under each shaper.
shape() {
  local rate=$1 bits burst i
  bits=$(awk -v r="$rate" 'BEGIN { n = r + 0; if (r ~ /gbit$/) n *= 1e9; else if (r ~ /mbit$/) n *= 1e6; print n }')
  burst=$(awk -v b="$bits" 'BEGIN { v = int(b / 8 * 0.002); if (v < 65536) v = 65536; print v }')
  for i in $(seq 1 "$SHAPED_SILOS"); do
    for side in "tc qdisc replace dev ${NS_PREFIX}v$i" "ip netns exec $NS_PREFIX$i tc qdisc replace dev eth0"; do
      if [ "$QUEUE" = dscp ]; then
        ${side/qdisc replace/qdisc del} root 2>/dev/null || true
        ${side/qdisc replace/qdisc add} root handle 1: htb default 10 r2q 1000
        ${side/qdisc replace/class add} parent 1: classid 1:1 htb rate "$rate" ceil "$rate" burst "$burst" cburst "$burst"
        ${side/qdisc replace/class add} parent 1:1 classid 1:10 htb rate "$((bits / 10))bit" ceil "$rate" burst "$burst" cburst "$burst" prio 0
        ${side/qdisc replace/class add} parent 1:1 classid 1:20 htb rate "$((bits * 9 / 10))bit" ceil "$rate" burst "$burst" cburst "$burst" prio 1
        ${side/qdisc replace/filter add} parent 1: protocol ip prio 1 u32 match ip tos 0x28 0xfc flowid 1:20
        continue
      fi
      if [ "$SHAPER" = htb ]; then
        $side root handle 1: htb default 10 r2q 1000
        ${side/qdisc replace/class replace} parent 1: classid 1:10 htb rate "$rate" ceil "$rate" burst "$burst" cburst "$burst"
      else
        $side root handle 1: tbf rate "$rate" burst "$burst" latency 50ms
      fi
      if [ "$QUEUE" = fq_codel ]; then
        $side parent "$([ "$SHAPER" = htb ] && echo 1:10 || echo 1:1)" handle 10: fq_codel
      fi
    done
  done
}

# measure_link: one TCP stream from silo 1's namespace to silo 2's for about 2 s, in Gbit/s.
measure_link() {
  local port=5701 script
  script='import socket, sys, time
role, host, port, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
if role == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((host, port)); s.listen(1); s.settimeout(20)
    c, _ = s.accept(); c.settimeout(20); n = 0; t = time.perf_counter()
    while True:
        b = c.recv(1 << 20)
        if not b: break
        n += len(b)
    print(f"{n * 8 / (time.perf_counter() - t) / 1e9:.3f}")
else:
    s = socket.create_connection((host, port), timeout=20); buf = b"x" * (1 << 20); end = time.perf_counter() + seconds
    while time.perf_counter() < end: s.sendall(buf)
    s.close()'
  ip netns exec "${NS_PREFIX}2" timeout 30 "$PYTHON" -c "$script" server "$SUBNET.12" "$port" 0 >"$OUT/link.tmp" &
  local server=$!
  wait_for 10 "link test server listening" bash -c "ip netns exec ${NS_PREFIX}2 ss -ltn | grep -q ':$port '"
  ip netns exec "${NS_PREFIX}1" timeout 30 "$PYTHON" -c "$script" client "$SUBNET.12" "$port" 2 || true
  wait "$server" || true
  cat "$OUT/link.tmp"
}

if [[ " $PHASES " == *" shaped "* ]]; then
  [ "$(id -u)" -eq 0 ] || fail "the shaped phase needs root (ip netns, tc)"
  [ "$SHAPED_SILOS" -ge 2 ] || fail "SHAPED_SILOS is $SHAPED_SILOS; the shaped phase needs at least 2"
  say "namespaces: $SHAPED_SILOS silos, veth pairs to bridge $BRIDGE ($SUBNET.0/24)"
  ip link add "$BRIDGE" type bridge
  BRIDGE_CREATED=1
  ip addr add "$SUBNET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for i in $(seq 1 "$SHAPED_SILOS"); do
    ns=$NS_PREFIX$i
    ip netns add "$ns"
    NAMESPACES+=("$ns")
    ip link add "${NS_PREFIX}v$i" type veth peer name eth0 netns "$ns"
    ip link set "${NS_PREFIX}v$i" master "$BRIDGE" up
    ip -n "$ns" addr add "$SUBNET.$((10 + i))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
  echo "link,gbit_per_s" >"$OUT/links.csv"
  redis_port=$(free_port)
  start_redis "$SUBNET.1" "$redis_port"
  start_cluster "$NS_PREFIX" "$SHAPED_SILOS" "$SUBNET.1:$redis_port" gcn-shaped
  shaper=$SHAPER
  [ "$QUEUE" = fifo ] || shaper="$SHAPER+$QUEUE"
  [ "$QUEUE" = dscp ] && shaper="htb+dscp"
  for rate in $LINKS; do
    shape "$rate"
    measured=$(measure_link)
    say "link $shaper $rate: measured $measured Gbit/s (one TCP stream, silo 1 to silo 2)"
    echo "$shaper-$rate,$measured" >>"$OUT/links.csv"
    for mode in $SHAPED_MODES; do run_orrery "$shaper-$rate-s$SHAPED_SILOS-$mode" "$SHAPED_SILOS" "$mode" gcn-shaped; done
  done
  stop_cluster
fi

# --- report -----------------------------------------------------------------------------------------------------
{
  cat "$OUT/header.md"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- wall time of the script: $(($(date +%s) - SCRIPT_START)) s"
  echo "- $(cat "$OUT/graph.txt")"
  echo "- model: $LAYERS layers ($LINEAR_LAYERS linear), hidden $HIDDEN, dropout $DROPOUT; Adam lr $LR, weight decay $WEIGHT_DECAY; $EPOCHS epochs; METIS, one part per silo"
  echo
  dotnet "$BENCH_DLL" report --dir "$OUT" --warmup "$WARMUP"
} >"$OUT/report.md"
cat "$OUT/report.md"
say "done: $OUT/report.md"
