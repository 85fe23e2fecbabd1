#!/usr/bin/env bash
# Builds everything into artifacts/: the hookline CLI and the smaller hook binary, both Native AOT.
#   artifacts/bin/hookline        server, sidecar, start, demo, policy tools (Native AOT)
#   artifacts/bin/hookline-hook   the per-hook pipe agents spawn (Native AOT)
#   artifacts/hookline-<version>-linux-x64.tar.gz   the release: both binaries, LICENSE, the systemd unit, SHA256SUMS
set -euo pipefail
cd "$(dirname "$0")"
configuration="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet build Hookline.slnx -c "$configuration" -warnaserror --nologo -v quiet
# Both are Native AOT: no JIT at start-up, small resident memory.
dotnet publish src/Hookline.Cli -c "$configuration" -r linux-x64 -o artifacts/bin --nologo -v quiet
dotnet publish src/Hookline.Hook.Exe -c "$configuration" -r linux-x64 -o artifacts/bin --nologo -v quiet
rm -f artifacts/bin/*.dbg artifacts/bin/*.pdb artifacts/bin/*.xml
# SQLite is linked into hookline; the package's shared library is never needed beside it.
rm -f artifacts/bin/libe_sqlite3.so

# The release tarball. The version has one home: <Version> in Directory.Build.props.
version="$(dotnet msbuild src/Hookline.Cli -getProperty:Version -nologo)"
name="hookline-$version-linux-x64"
stage="artifacts/stage/$name"
rm -rf artifacts/stage && mkdir -p "$stage"
install -m 0755 artifacts/bin/hookline artifacts/bin/hookline-hook "$stage/"
install -m 0644 LICENSE deploy/hookline.service "$stage/"
(cd "$stage" && sha256sum hookline hookline-hook LICENSE hookline.service > SHA256SUMS)
# Reproducible: fixed order, owner and mtime (the last commit's, when there is one).
mtime="$(git log -1 --format=%ct 2>/dev/null || echo 0)"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C artifacts/stage -cf - "$name" | gzip -n > "artifacts/$name.tar.gz"
rm -rf artifacts/stage
echo "built: artifacts/bin/hookline, artifacts/bin/hookline-hook, artifacts/$name.tar.gz"
