#!/usr/bin/env bash
# Publishes the `orrery` client (Release, framework-dependent, no apphost: run as `dotnet orrery.dll`)
# into OUTPUT (default artifacts/publish/client). client/Dockerfile runs exactly this script in its
# SDK stage, and scripts/test.sh runs it too, so the image's build is tested without Docker.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/publish/client}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rm -rf "$out"
dotnet publish client/Orrery.Client.csproj -c Release -o "$out" --no-self-contained -p:UseAppHost=false -p:IsTransformWebConfigDisabled=true -nologo -v quiet
test -f "$out/orrery.dll"
echo "publish-client.sh: published orrery to $out"
