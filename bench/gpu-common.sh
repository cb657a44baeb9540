# Shared steps of the GPU scripts (bench/gpu-check.sh, run-metric-graphs-gpu.sh, run-pca-gpu.sh); sourced, not run.
# A GPU machine lent for a check may have no .NET: each script publishes its program self-contained on a build
# machine (--publish-only), the folder is copied over, and the script runs there with --no-publish.

# gpu_publish SCRIPT PROJECT OUT EXECUTABLE FLAG: FLAG is the script's first argument (--no-publish,
# --publish-only or anything else). Publishes PROJECT into OUT unless --no-publish; without dotnet, runs what
# OUT already holds or stops with exit 2. Returns 1 after --publish-only (the caller then exits 0).
gpu_publish() {
  local script=$1 project=$2 out=$3 executable=$4 flag=${5:-}
  if [ "$flag" != --no-publish ]; then
    if command -v dotnet >/dev/null 2>&1; then
      DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
        dotnet publish "$project" -c Release -r linux-x64 --self-contained -o "$out" -p:DebugType=none -nologo -v quiet
    elif [ -x "$out/$executable" ]; then
      echo "$script: no dotnet here; running the already published $out"
    else
      echo "$script: no dotnet here and nothing published in $out; run 'bench/$script --publish-only' on a build machine and copy $out over" >&2
      exit 2
    fi
  fi
  [ "$flag" != --publish-only ]
}

# gpu_require SCRIPT PYTHON MODULES: stops with exit 3 unless nvidia-smi lists a GPU and PYTHON imports MODULES
# (e.g. "torch, numpy") with torch seeing CUDA.
gpu_require() {
  local script=$1 python=$2 modules=$3
  if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "$script: no NVIDIA GPU here (nvidia-smi does not list one); nothing measured" >&2
    exit 3
  fi
  if ! "$python" -c "import $modules, sys; sys.exit(0 if torch.cuda.is_available() else 1)" >/dev/null 2>&1; then
    echo "$script: $python has no torch with CUDA (or not all of: $modules); the PyTorch peer cannot run (set PYTHON=...)" >&2
    exit 3
  fi
}

# gpu_describe: sets gpu_name, date_utc and commit for a results table.
gpu_describe() {
  gpu_name=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)
  date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
}
