#!/usr/bin/env bash
# Builds everything into artifacts/: the hookline CLI and the smaller hook binary, both Native AOT.
#   artifacts/bin/hookline        server, sidecar, start, demo, policy tools (Native AOT)
#   artifacts/bin/hookline-hook   the per-hook pipe agents spawn (Native AOT)
set -euo pipefail
cd "$(dirname "$0")"
configuration="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet build Hookline.slnx -c "$configuration" -warnaserror --nologo -v quiet
# Both are Native AOT: no JIT at start-up, small resident memory.
dotnet publish src/Hookline.Cli -c "$configuration" -r linux-x64 -o artifacts/bin --nologo -v quiet
dotnet publish src/Hookline.Hook -c "$configuration" -r linux-x64 -o artifacts/bin --nologo -v quiet
rm -f artifacts/bin/*.dbg artifacts/bin/*.pdb artifacts/bin/*.xml
echo "built: artifacts/bin/hookline, artifacts/bin/hookline-hook"
