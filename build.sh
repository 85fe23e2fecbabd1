#!/usr/bin/env bash
# Builds everything into artifacts/: the hookline CLI (framework-dependent) and the Native AOT hook binary.
#   artifacts/bin/hookline        server, sidecar, start, demo, policy tools
#   artifacts/bin/hookline-hook   the per-hook pipe agents spawn (Native AOT)
set -euo pipefail
cd "$(dirname "$0")"
configuration="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet build Hookline.slnx -c "$configuration" -warnaserror --nologo -v quiet
# ReadyToRun: precompiled code, so a fresh sidecar answers its first hooks without waiting on the JIT.
dotnet publish src/Hookline.Cli -c "$configuration" -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o artifacts/bin --nologo -v quiet
dotnet publish src/Hookline.Hook -c "$configuration" -r linux-x64 -o artifacts/bin --nologo -v quiet
rm -f artifacts/bin/*.dbg
echo "built: artifacts/bin/hookline, artifacts/bin/hookline-hook"
