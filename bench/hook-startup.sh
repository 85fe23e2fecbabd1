#!/usr/bin/env bash
# Hook process start-up, side by side in one run: /bin/true, an empty Native AOT program, and the full hook chain
# (hookline-hook -> Unix socket -> bench/HookEcho, which answers every request with the empty allow reply).
# Reports p50/p99 wall time, the ratio to /bin/true, and page faults (perf stat), the stable regression figure.
#
# Needs artifacts/bin/hookline-hook (./build.sh, or:
#   dotnet publish src/Hookline.Hook.Exe -c Release -r linux-x64 -o artifacts/bin); it does not build the hook.
# It publishes its two helpers (bench/EmptyAot, bench/HookEcho) into artifacts/bench/.
# Environment: RUNS (default 1000), WARMUP (default 100), PERF_RUNS (default 50), HOOK (binary to measure),
# TIMER=loop to use the built-in interleaved loop even when hyperfine is installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hook="${HOOK:-$root/artifacts/bin/hookline-hook}"
out="$root/artifacts/bench"
runs="${RUNS:-1000}"
warmup="${WARMUP:-100}"
perf_runs="${PERF_RUNS:-50}"
sample="$root/bench/pre-tool-use.json"

if [[ ! -x "$hook" ]]; then
  echo "hook-startup: $hook not found; run ./build.sh or publish src/Hookline.Hook.Exe first" >&2
  exit 1
fi

if [[ "${TIMER:-}" != loop ]] && ! command -v hyperfine >/dev/null && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  apt-get install -y -qq hyperfine >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; } || true
fi

echo "== publishing the helpers (bench/EmptyAot, bench/HookEcho)" >&2
dotnet publish "$root/bench/EmptyAot" -c Release -r linux-x64 -o "$out/empty-aot" -nologo -v quiet >&2
dotnet publish "$root/bench/HookEcho" -c Release -r linux-x64 -o "$out/hook-echo" -nologo -v quiet >&2
empty="$out/empty-aot/empty-aot"

work="$(mktemp -d /tmp/hl-bench.XXXXXX)"
socket="$work/echo.sock"
echo_pid=""
cleanup() {
  if [[ -n "$echo_pid" ]]; then kill "$echo_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$out/hook-echo/hook-echo" "$socket" >"$work/echo.log" 2>&1 &
echo_pid=$!
for _ in $(seq 1 200); do [[ -S "$socket" ]] && break; sleep 0.05; done
[[ -S "$socket" ]] || { echo "hook-startup: hook-echo did not start: $(cat "$work/echo.log")" >&2; exit 1; }

hook_cmd=("$hook" --agent claude --event pre-tool-use --socket "$socket")
# A wrong answer would make the figures meaningless: the chain must really reach the echo server and allow.
"${hook_cmd[@]}" <"$sample" || { echo "hook-startup: the hook did not get an allow from hook-echo" >&2; exit 1; }

names=(true empty-aot hookline-hook)
commands=("/bin/true" "$empty" "${hook_cmd[*]}")

echo "== timing: $runs runs each after $warmup warm-up runs" >&2
if [[ "${TIMER:-}" != loop ]] && command -v hyperfine >/dev/null; then
  timer="hyperfine $(hyperfine --version | cut -d' ' -f2)"
  input_args=()
  stdin_note="/dev/null (this hyperfine has no --input)"
  if hyperfine --help | grep -q -- '--input'; then
    input_args=(--input "$sample")
    stdin_note="the Claude Code PreToolUse sample (bench/pre-tool-use.json)"
  fi
  args=()
  for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${commands[$i]}"); done
  hyperfine -N --style basic --warmup "$warmup" --runs "$runs" "${input_args[@]}" \
    --export-json "$work/times.json" "${args[@]}" >&2
else
  # Fallback: posix_spawn from one Python loop, the commands interleaved run by run so that background load hits
  # them alike; the loop's own spawn cost is in every figure.
  timer="python3 posix_spawn loop, interleaved"
  stdin_note="the Claude Code PreToolUse sample (bench/pre-tool-use.json)"
  python3 - "$work/times.json" "$runs" "$warmup" "$sample" "${names[@]}" -- "${commands[@]}" <<'PY'
import json, os, shlex, sys, time
out, runs, warmup, sample = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rest = sys.argv[5:]; split = rest.index("--"); names, commands = rest[:split], rest[split + 1:]
argvs = [shlex.split(c) for c in commands]
times = [[] for _ in names]
for i in range(warmup + runs):
    for j, argv in enumerate(argvs):
        fd = os.open(sample, os.O_RDONLY); null = os.open(os.devnull, os.O_WRONLY)
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, fd, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
        os.waitpid(pid, 0)
        elapsed = time.perf_counter() - start
        os.close(fd); os.close(null)
        if i >= warmup: times[j].append(elapsed)
json.dump({"results": [{"command": n, "times": t} for n, t in zip(names, times)]}, open(out, "w"))
PY
fi

perf_json="{}"
if perf stat -x, -e page-faults -- /bin/true >/dev/null 2>&1; then
  # Page faults barely move with machine load, so they are the regression figure; task-clock (CPU time of the
  # process itself) is steadier than wall time on a busy machine.
  echo "== perf stat: median of $perf_runs runs each" >&2
  perf_json="{"
  for i in "${!names[@]}"; do
    read -r -a argv <<<"${commands[$i]}"
    : >"$work/perf.csv"
    for _ in $(seq 1 "$perf_runs"); do
      perf stat -x, -e page-faults,task-clock -- "${argv[@]}" <"$sample" 2>>"$work/perf.csv" >/dev/null
    done
    faults="$(awk -F, '/page-faults/ {print $1}' "$work/perf.csv" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')"
    clock="$(awk -F, '/task-clock/ {print $1}' "$work/perf.csv" | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')"
    perf_json+="\"${names[$i]}\": {\"faults\": $faults, \"task_clock_ms\": $clock},"
  done
  perf_json="${perf_json%,}}"
fi

python3 - "$work/times.json" "$perf_json" "$timer" "$stdin_note" "$(nproc)" "$(uname -r)" <<'PY'
import json, sys
times, perf, timer, stdin_note, cores, kernel = json.load(open(sys.argv[1])), json.loads(sys.argv[2]), *sys.argv[3:]
def pct(values, p):
    ordered = sorted(values); k = (len(ordered) - 1) * p / 100; lo = int(k); hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
rows = {r["command"]: r["times"] for r in times["results"]}
base50, base99 = pct(rows["true"], 50), pct(rows["true"], 99)
with open("/proc/loadavg") as f: load = " ".join(f.read().split()[:3])
print(f"Timer: {timer}; stdin: {stdin_note}; {len(rows['true'])} runs per command; {cores} cores; Linux {kernel}; "
      f"load average at the end {load}.")
print()
print("| process | p50 | p99 | p50 / `/bin/true` | p99 / `/bin/true` | page faults | task-clock |")
print("|---|---|---|---|---|---|---|")
for name, values in rows.items():
    p50, p99 = pct(values, 50), pct(values, 99)
    counted = perf.get(name, {})
    clock = f"{counted['task_clock_ms']:.2f} ms" if counted else "n/a"
    print(f"| `{name}` | {p50 * 1000:.2f} ms | {p99 * 1000:.2f} ms | {p50 / base50:.2f}× | {p99 / base99:.2f}× "
          f"| {counted.get('faults', 'n/a')} | {clock} |")
PY
