#!/usr/bin/env bash
# Runs Orrery's test suite on a fresh Debian 12 machine with the .NET 10 SDK:
# installs what the tests need (redis-server, prometheus for promtool, libopenblas0), restores NuGet
# packages, builds everything (the silo executable the integration tests start included),
# checks formatting, and runs the default test categories. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# OpenBLAS for the CPU compute backend's sgemm (Orrery.Compute loads libopenblas.so.0 or libcblas.so.3).
{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | grep -E 'lib(openblas\.so\.0|cblas\.so\.3) ' >/dev/null || need+=(libopenblas0)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} with apt-get"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian packages start system services where systemd runs; the tests start their own
# servers on free ports and never use those.

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Orrery.slnx
dotnet build Orrery.slnx --no-restore -c Release
dotnet format Orrery.slnx --verify-no-changes --no-restore
dotnet test Orrery.slnx --no-build -c Release --filter "Category!=Long" --logger "console;verbosity=normal" "$@"
