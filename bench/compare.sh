#!/usr/bin/env bash
# Two commits side by side: the load tool's stream-vs-unary and throughput modes (SQLite; PostgreSQL too when
# HOOKLINE_TEST_POSTGRES is set), each commit built in a temporary git worktree (removed afterwards), the two builds
# run alternately (before, after; then after, before; ...) so that the noise of a shared machine falls on both alike.
# Prints median and p99 round trips and decisions/s per run, then the medians side by side.
#
#   bench/compare.sh BEFORE_COMMIT AFTER_COMMIT
#
# Environment (defaults: the settings of docs/benchmarks.md):
#   ROUNDS=2            runs of each mode per build
#   N=20000 WARMUP=2000 stream-vs-unary: decisions of each kind, warm-up calls of each kind
#   STREAMS=1000 CONNECTIONS=100 IN_FLIGHT=4 MEASURE_SECONDS=10 WARMUP_SECONDS=3   throughput; the load tool sends as
#                       one principal and runs its servers without per-principal limits (f06687f): a commit before that
#                       refuses the 65th stream, so compare against one with that change cherry-picked
#   RUN_TIMEOUT=600     (1500 with FLEET=1) seconds one run of the load tool may take before it is killed (60 or more)
#   AOT=1               ./build.sh in each worktree, so throughput targets a separate Native AOT `hookline server`
#                       process as in docs/benchmarks.md (minutes per build); default: the load tool alone, with the
#                       server in its process for both commits
#   OUT=DIR             where the raw output of every run is kept (default artifacts/compare/<time>)
#   FLEET=1             instead: the load tool's `fleet` mode (every figure of issue 18: throughput, stream-vs-unary,
#                       hook-chain, rss, idle-streams) for each build, alternately; implies AOT=1, publishes the empty
#                       AOT program once for both, and prints the two "Issue 18 figures" tables side by side.
#                       FLEET_ARGS adds options to every run (e.g. "--seconds 5 --idle 2000" for a quick look)
# Loopback only: the load tool listens on 127.0.0.1 and refuses a PostgreSQL server that is not on loopback.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  sed -n '2,21p' "$0" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before="$(git -C "$root" rev-parse --short "$1^{commit}")"
after="$(git -C "$root" rev-parse --short "$2^{commit}")"
rounds="${ROUNDS:-2}"
[[ "${FLEET:-}" == 1 ]] && AOT=1
run_timeout="${RUN_TIMEOUT:-$([[ "${FLEET:-}" == 1 ]] && echo 1500 || echo 600)}"
out="${OUT:-$root/artifacts/compare/$(date -u +%Y%m%dT%H%M%SZ)}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

scratch="$(mktemp -d "${TMPDIR:-/tmp}/hookline-compare.XXXXXX")"
cleanup() {
  for name in before after; do
    [[ -d "$scratch/$name" ]] && git -C "$root" worktree remove --force "$scratch/$name" >/dev/null 2>&1 || true
  done
  rm -rf "$scratch"
}
trap cleanup EXIT
mkdir -p "$out"

for name in before after; do
  commit="$before"; [[ "$name" == after ]] && commit="$after"
  echo "== $name: $commit, building in $scratch/$name" >&2
  git -C "$root" worktree add --detach --quiet "$scratch/$name" "$commit"
  if [[ "${AOT:-}" == 1 ]]; then
    (cd "$scratch/$name" && ./build.sh >"$out/build-$name.log" 2>&1)
  fi
  (cd "$scratch/$name" && dotnet build bench/Hookline.LoadTool -c Release --nologo -v quiet >>"$out/build-$name.log" 2>&1) \
    || { echo "build of $name ($commit) failed; see $out/build-$name.log" >&2; exit 1; }
done

if [[ "${FLEET:-}" == 1 ]]; then
  # One empty AOT program for both builds: the floor hook-chain divides by is then the same binary.
  echo "== publishing the empty Native AOT program (bench/EmptyAot of $after)" >&2
  (cd "$scratch/after" && dotnet publish bench/EmptyAot -c Release -r linux-x64 -o "$scratch/empty-aot" -nologo -v quiet) >>"$out/build-after.log" 2>&1
  for name in before after; do
    mkdir -p "$scratch/$name/artifacts/bench" && cp -r "$scratch/empty-aot" "$scratch/$name/artifacts/bench/empty-aot"
  done
fi

in_process=(--in-process)
[[ "${AOT:-}" == 1 ]] && in_process=()
svu_args=(stream-vs-unary --n "${N:-20000}" --warmup "${WARMUP:-2000}" --max-seconds "$((run_timeout > 120 ? run_timeout - 60 : 60))")
tput_args=(throughput --streams "${STREAMS:-1000}" --connections "${CONNECTIONS:-100}" --in-flight "${IN_FLIGHT:-4}"
  --seconds "${MEASURE_SECONDS:-10}" --warmup-seconds "${WARMUP_SECONDS:-3}" "${in_process[@]}")
stores=(sqlite)
[[ -n "${HOOKLINE_TEST_POSTGRES:-}" ]] && stores+=(postgresql)

# One run of the load tool in one worktree; its output goes to $out/<build>-<mode>-<round>.txt.
run() {
  local name="$1" file="$2"; shift 2
  local shown="$*"
  [[ -n "${HOOKLINE_TEST_POSTGRES:-}" ]] && shown="${shown//"$HOOKLINE_TEST_POSTGRES"/\$HOOKLINE_TEST_POSTGRES}"
  echo "== $name ($([[ "$name" == before ]] && echo "$before" || echo "$after")): $shown" >&2
  (cd "$scratch/$name" && timeout --kill-after=15 "$run_timeout" \
    dotnet run -c Release --no-build --project bench/Hookline.LoadTool -- "$@") >"$out/$file" 2>&1 \
    || echo "   failed or timed out (exit $?); see $out/$file" >&2
  if grep -q 'as many open streams as the server allows' "$out/$file"; then
    echo "   the server's per-principal stream limit refused streams: cherry-pick f06687f onto the older commit, or use STREAMS=64 or fewer" >&2
  fi
}

if [[ "${FLEET:-}" == 1 ]]; then
  fleet_args=(fleet --max-seconds "$((run_timeout > 120 ? run_timeout - 60 : 60))")
  [[ -n "${HOOKLINE_TEST_POSTGRES:-}" ]] && fleet_args+=(--postgres "$HOOKLINE_TEST_POSTGRES")
  # shellcheck disable=SC2206 # FLEET_ARGS is a list of options, split on spaces on purpose
  [[ -n "${FLEET_ARGS:-}" ]] && fleet_args+=($FLEET_ARGS)
  for ((round = 1; round <= rounds; round++)); do
    order=(before after)
    ((round % 2 == 0)) && order=(after before)
    for name in "${order[@]}"; do
      run "$name" "$name-fleet-$round.txt" "${fleet_args[@]}"
    done
  done
  # The fleet's summary rows, "| figure | value | how |", after its "Issue 18 figures" heading in the markdown copy.
  figures() { awk '/^---- markdown ----/ { md = 1 } md && /Issue 18 figures/ { on = 1; next } on && /^\| / && !/^\| (figure|---)/ {
      split($0, c, "|"); f = c[2]; v = c[3]; gsub(/^ +| +$/, "", f); gsub(/^ +| +$/, "", v); print f "\t" v }' "$1"; }
  echo
  echo "before = $before, after = $after; fleet, $rounds rounds, alternating; raw output in $out"
  echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  for ((round = 1; round <= rounds; round++)); do
    echo
    echo "round $round"
    printf '| %s | %s | %s |\n|---|---:|---:|\n' "figure" "before ($before)" "after ($after)"
    awk -F'\t' 'NR == FNR { if (!($1 in b)) order[++n] = $1; b[$1] = $2; next } { if (!($1 in b)) order[++n] = $1; a[$1] = $2 }
      END { for (i = 1; i <= n; i++) { f = order[i]; printf "| %s | %s | %s |\n", f, (f in b ? b[f] : "-"), (f in a ? a[f] : "-") } }' \
      <(figures "$out/before-fleet-$round.txt") <(figures "$out/after-fleet-$round.txt")
  done
  exit 0
fi

for ((round = 1; round <= rounds; round++)); do
  order=(before after)
  ((round % 2 == 0)) && order=(after before)
  for name in "${order[@]}"; do
    run "$name" "$name-svu-$round.txt" "${svu_args[@]}"
  done
  for store in "${stores[@]}"; do
    postgres=()
    [[ "$store" == postgresql ]] && postgres=(--postgres "$HOOKLINE_TEST_POSTGRES")
    for name in "${order[@]}"; do
      run "$name" "$name-$store-$round.txt" "${tput_args[@]}" "${postgres[@]}"
    done
  done
done

# The markdown rows the load tool prints at the end: "| stream (ProcessHookEvent) | n | p50 | p90 | p99 | max |"
# and "| sqlite | streams | decisions/s | stored/s | p50 µs | p99 µs | ...".
cell() { # file, first cell, column (1-based after the first) -> the value, or "-"
  [[ -f "$1" ]] || { echo "-"; return; }
  awk -F'|' -v key="$2" -v col="$3" '
    { first = $2; gsub(/^ +| +$/, "", first) }
    first == key { value = $(col + 2); gsub(/[ ,]/, "", value); print value; found = 1; exit }
    END { if (!found) print "-" }' "$1"
}
median() { # values -> median ("-" when none)
  printf '%s\n' "$@" | { grep -v '^-$' || true; } | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == 0) print "-"; else printf "%.2f×\n", b / a }'; }

echo
echo "before = $before, after = $after; $rounds rounds, alternating; raw output in $out"
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
printf '%-38s %-7s' "figure" "build"
for ((round = 1; round <= rounds; round++)); do printf ' %12s' "run $round"; done
printf ' %12s\n' "median"
declare -A medians
line() { # label, build, file pattern (with @ for the round), first cell, column
  local label="$1" name="$2" pattern="$3" key="$4" col="$5" values=() value
  for ((round = 1; round <= rounds; round++)); do
    value="$(cell "$out/${pattern//@/$round}" "$key" "$col")"
    values+=("$value")
  done
  medians["$label/$name"]="$(median "${values[@]}")"
  printf '%-38s %-7s' "$label" "$name"
  printf ' %12s' "${values[@]}" "${medians["$label/$name"]}"
  printf '\n'
}
figures=(
  "stream p50 µs|svu|stream (ProcessHookEvent)|2"
  "stream p99 µs|svu|stream (ProcessHookEvent)|4"
  "unary p50 µs|svu|unary (DecideOnce)|2"
  "unary p99 µs|svu|unary (DecideOnce)|4"
)
for store in "${stores[@]}"; do
  figures+=("$store decisions/s|$store|$store|2" "$store p50 µs|$store|$store|4" "$store p99 µs|$store|$store|5"
    "$store server CPU µs/decision|$store|$store|8")
done
for figure in "${figures[@]}"; do
  IFS='|' read -r label mode key col <<<"$figure"
  for name in before after; do
    line "$label" "$name" "$name-$mode-@.txt" "$key" "$col"
  done
done
echo
printf '%-38s %12s %12s %12s\n' "median" "before" "after" "after/before"
for figure in "${figures[@]}"; do
  IFS='|' read -r label _ <<<"$figure"
  printf '%-38s %12s %12s %12s\n' "$label" "${medians["$label/before"]}" "${medians["$label/after"]}" \
    "$(ratio "${medians["$label/before"]}" "${medians["$label/after"]}")"
done
