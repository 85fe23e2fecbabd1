#!/usr/bin/env bash
# Read API on PostgreSQL with 100,000 stored events: the server time of each paged query, over HTTP with curl.
# Needs psql and a PostgreSQL role that may create databases (PGURL, e.g. postgresql://user:pw@127.0.0.1:5432/postgres)
# and a hookline binary (HOOKLINE, default artifacts/bin/hookline).   Usage: bench/dashboard/postgres.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-20}"
hookline="${HOOKLINE:-artifacts/bin/hookline}"
: "${PGURL:?set PGURL to a postgresql:// URL of a role that may create databases}"
db="hookline_bench_$$"
dir="$(mktemp -d /tmp/hl-pgfig-XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; psql -q "$PGURL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -rf "$dir"' EXIT
psql -q "$PGURL" -c "CREATE DATABASE $db" >/dev/null
dburl="${PGURL%/*}/$db"
conn="$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(f"Host={p.hostname};Port={p.port or 5432};Username={p.username};Password={p.password};Database={p.path[1:]}")' "$dburl")"
cp bench/dashboard/seed-postgres.sql "$dir/seed.sql"
printf 'version: 1\ndefault: allow\nrules:\n  - id: no-force-delete\n    effect: deny\n    match: "Bash(rm -rf *)"\n  - id: confirm-push\n    effect: ask\n    match: ["Bash(git push *)"]\n' > "$dir/policy.yaml"
http=17431
"$hookline" server --listen http://127.0.0.1:17430 --http-listen "http://127.0.0.1:$http" --policy "$dir/policy.yaml" --data "$dir/data" --postgres "$conn" --log-level Warning &
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break; sleep 0.1; done
psql -q "$dburl" -v n=100000 -f "$dir/seed.sql" >/dev/null
echo "stored events: $(psql -tA "$dburl" -c 'SELECT COUNT(*) FROM events')"
# A cursor deep in the table: the page after the 50,000th newest event.
deep="$(psql -tA "$dburl" -c "SELECT event_time_ms || '.' || seq FROM events ORDER BY event_time_ms DESC, seq DESC OFFSET 50000 LIMIT 1")"
for path in "/api/events" "/api/events?cursor=$deep" "/api/events?decision=deny" "/api/events?decision=deny,ask&user=user3" \
  "/api/events?rule=confirm-push" "/api/events?source=local" "/api/events?session=00000000-0000-4000-8000-000000000500&order=asc" \
  "/api/sessions" "/api/sessions?user=user7" "/api/policy/rules" "/api/health" "/ui/live" "/ui/sessions"; do
  times=()
  for _ in $(seq "$runs"); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$http$path")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v p="$path" '{ t[NR] = $1 * 1000 } END { printf "%-90s median %6.1f ms  max %6.1f ms\n", p, t[int((NR + 1) / 2)], t[NR] }'
done
