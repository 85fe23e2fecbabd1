#!/usr/bin/env bash
# The overview at scale: for each backend and event count, seeds N events over 30 days into a database at the schema
# before the rollups (schema-sqlite-v10.sql / schema-postgres-v14.sql), starts a real `hookline server` on loopback
# (its migration backfills the rollups: the first start is timed against a restart), then measures
# GET /api/overview?range=1h|24h|7d|30d (client time, median and p99) and the first paint of /ui/overview?range=...
# in headless Chromium (tests/browser/overview-measure.mjs). Every wait is bounded; the databases are removed at exit.
# Needs sqlite3, node, chromium, `npm ci` in tests/browser, a hookline binary (HOOKLINE, default artifacts/bin/hookline
# from ./build.sh) and, for postgres, psql and PGURL (a postgresql:// URL of a role that may create databases).
# Usage: bench/dashboard/overview.sh [sqlite|postgres|both] [EVENTS...]     (default: both 100000 1000000)
#   RUNS (requests per range, default 100), PAINTS (page loads per range, default 20), SEED_ONLY=1 (seed and start only)
set -euo pipefail
cd "$(dirname "$0")/../.."
backends="${1:-both}"
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100000 1000000)
case "$backends" in
  both) backends="sqlite postgres" ;;
  sqlite | postgres) ;;
  *) echo "usage: $0 [sqlite|postgres|both] [EVENTS...]" >&2; exit 2 ;;
esac
hookline="$(realpath "${HOOKLINE:-artifacts/bin/hookline}")"
[ -x "$hookline" ] || { echo "no hookline binary at $hookline: run ./build.sh or set HOOKLINE" >&2; exit 2; }
dir="$(mktemp -d /tmp/hl-overview-XXXXXX)"
databases=()
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  for db in "${databases[@]}"; do PGOPTIONS="-c client_min_messages=warning" psql -q "$PGURL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
# The rules the seed fires, and two that never fire.
cat > "$dir/policy.yaml" <<'YAML'
version: 1
default: allow
rules:
  - id: no-force-delete
    effect: deny
    match: "Bash(rm -rf *)"
  - id: no-curl-pipe-sh
    effect: deny
    match: "Bash(curl *)"
  - id: no-secrets-read
    effect: deny
    match: "Read(**/.env)"
  - id: protect-ci-config
    effect: deny
    match: "Edit(/.github/**)"
  - id: no-paste-sites
    effect: deny
    match: "WebFetch(domain:pastebin.com)"
  - id: no-sudo
    effect: deny
    match: "Bash(sudo *)"
  - id: no-prod-db
    effect: deny
    match: "Bash(psql *prod*)"
  - id: confirm-push
    effect: ask
    match: "Bash(git push *)"
  - id: confirm-package-install
    effect: ask
    match: "Bash(npm install *)"
  - id: confirm-lockfile-edit
    effect: ask
    match: "Edit(**/package-lock.json)"
  - id: confirm-web-fetch
    effect: ask
    match: "WebFetch"
  - id: confirm-pr
    effect: ask
    match: "mcp__github__create_pull_request"
YAML
grpc=17440; http=17441
server_pid=""
elapsed=""
since() { awk -v now="$EPOCHREALTIME" -v then="$1" 'BEGIN { printf "%.1f", now - then }'; }

# Starts the server on $data (and $conn for postgres) and waits for /healthz; sets elapsed to the seconds it took.
start_server() {
  local started=$EPOCHREALTIME
  "$hookline" server --listen "http://127.0.0.1:$grpc" --http-listen "http://127.0.0.1:$http" --policy "$dir/policy.yaml" \
    --data "$data" ${conn:+--postgres "$conn"} --log-level Warning > "$dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 12000); do # 20 minutes at most: a backfill of millions of events on a slow disk
    if curl -sf "http://127.0.0.1:$http/healthz" > /dev/null; then
      elapsed=$(since "$started")
      return 0
    fi
    kill -0 "$server_pid" 2> /dev/null || { cat "$dir/server.log" >&2; echo "the server exited" >&2; return 1; }
    sleep 0.1
  done
  echo "the server did not answer /healthz within 20 minutes" >&2
  return 1
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" || true
}

for backend in $backends; do
  for n in "${counts[@]}"; do
    echo "== $backend, $n events"
    now_ms=$(($(date +%s) * 1000))
    data="$dir/data-$backend-$n"
    mkdir -p "$data"
    conn=""
    seeded=$EPOCHREALTIME
    if [ "$backend" = sqlite ]; then
      { cat bench/dashboard/schema-sqlite-v10.sql
        echo "CREATE TEMP TABLE seed_params AS SELECT $n AS n, $now_ms AS now_ms;"
        cat bench/dashboard/overview-seed.sql; } | timeout 1800 sqlite3 "$data/hookline.db" > /dev/null
      chmod 600 "$data/hookline.db"
      chmod 700 "$data"
      count() { sqlite3 "$data/hookline.db" "$1"; }
    else
      : "${PGURL:?set PGURL to a postgresql:// URL of a role that may create databases}"
      db="hookline_overview_$$_$n"
      databases+=("$db")
      psql -q "$PGURL" -c "CREATE DATABASE $db" > /dev/null
      dburl="${PGURL%/*}/$db"
      conn="$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(f"Host={p.hostname};Port={p.port or 5432};Username={p.username};Password={p.password};Database={p.path[1:]}")' "$dburl")"
      psql -q -v ON_ERROR_STOP=1 "$dburl" -f bench/dashboard/schema-postgres-v14.sql > /dev/null
      timeout 1800 psql -q -v ON_ERROR_STOP=1 -v n="$n" -v now_ms="$now_ms" "$dburl" -f bench/dashboard/overview-seed-postgres.sql > /dev/null
      count() { psql -tA "$dburl" -c "$1"; }
    fi
    seed_time=$(since "$seeded")
    echo "seeded $(count 'SELECT COUNT(*) FROM events') events ($(count 'SELECT COUNT(*) FROM events WHERE applied_verdict IS NOT NULL') decided) at schema $(count 'SELECT MAX(version) FROM schema_version') in $seed_time s"
    start_server
    first=$elapsed
    stop_server
    start_server
    echo "first start (migration to schema $(count 'SELECT MAX(version) FROM schema_version'), rollup backfill included) $first s; restart $elapsed s"
    if [ -z "${SEED_ONLY:-}" ]; then
      (cd tests/browser && BASE_URL="http://127.0.0.1:$http" timeout 3600 node overview-measure.mjs)
    fi
    stop_server
    rm -rf "$data"
    [ "$backend" = sqlite ] || psql -q "$PGURL" -c "DROP DATABASE $db WITH (FORCE)" > /dev/null
  done
done
