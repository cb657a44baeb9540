#!/usr/bin/env bash
# Publishes orrery-silo (Release, framework-dependent, no apphost: run as `dotnet orrery-silo.dll`)
# into OUTPUT (default artifacts/publish/silo). The silo images run exactly this script in their
# SDK stage, and scripts/test.sh runs it too, so the image's build is tested without Docker.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/publish/silo}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rm -rf "$out"
dotnet publish silo/Orrery.Silo.csproj -c Release -o "$out" --no-self-contained -p:UseAppHost=false -p:IsTransformWebConfigDisabled=true -nologo -v quiet
# The image's HEALTHCHECK runs this next to the silo.
install -m 0755 silo/healthcheck.sh "$out/healthcheck.sh"
test -f "$out/orrery-silo.dll" && test -f "$out/appsettings.json"
echo "publish-silo.sh: published orrery-silo to $out"
