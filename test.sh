#!/usr/bin/env bash
# Builds (the AOT hook included, which the end-to-end tests spawn) and runs every test suite.
# Ends with one line "N passed, N failed" summed over all test assemblies.
set -uo pipefail
cd "$(dirname "$0")"
./build.sh || exit 1
log="$(mktemp)"
dotnet test Hookline.slnx -c "${CONFIGURATION:-Release}" --no-build --nologo \
  --blame-hang-timeout 10m -- RunConfiguration.TestSessionTimeout=3000000 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
