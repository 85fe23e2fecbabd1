#!/usr/bin/env bash
# Dashboard figures with 100,000 stored events: time to first paint of the sessions page, and the live-feed update
# latency (hook spawned -> row shown in the browser). Needs ./build.sh, sqlite3, node, chromium and
# `npm ci` in tests/browser.   Usage: bench/dashboard/figures.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-50}"
dir="$(mktemp -d /tmp/hl-fig-XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
cp bench/dashboard/seed.sql "$dir/seed.sql"
cat > "$dir/policy.yaml" <<'YAML'
version: 1
default: allow
rules:
  - id: no-force-delete
    effect: deny
    match: "Bash(rm -rf *)"
    reason: "Recursive force delete is blocked"
  - id: confirm-push
    effect: ask
    match: ["Bash(git push *)"]
    reason: "Pushing needs a human"
YAML
grpc=17420; http=17421
# First start creates the schema; then seed while it is stopped.
artifacts/bin/hookline server --listen "http://127.0.0.1:$grpc" --http-listen "http://127.0.0.1:$http" --policy "$dir/policy.yaml" --data "$dir/data" --log-level Warning &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break; sleep 0.1; done
kill "$pid"; wait "$pid" || true
sqlite3 "$dir/data/hookline.db" < "$dir/seed.sql"
echo "stored events: $(sqlite3 "$dir/data/hookline.db" 'SELECT COUNT(*) FROM events')"
artifacts/bin/hookline server --listen "http://127.0.0.1:$grpc" --http-listen "http://127.0.0.1:$http" --policy "$dir/policy.yaml" --data "$dir/data" --log-level Warning &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break; sleep 0.1; done
artifacts/bin/hookline sidecar --server "http://127.0.0.1:$grpc" --socket "$dir/run/hook.sock" --state-dir "$dir/state" --log-level Warning &
for _ in $(seq 100); do [ -S "$dir/run/hook.sock" ] && break; sleep 0.1; done
(cd tests/browser && BASE_URL="http://127.0.0.1:$http" HOOK_BIN="$PWD/../../artifacts/bin/hookline-hook" HOOK_SOCKET="$dir/run/hook.sock" \
  RUNS="$runs" node measure.mjs)
