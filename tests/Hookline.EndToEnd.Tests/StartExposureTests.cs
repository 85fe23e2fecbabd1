namespace Hookline.EndToEnd.Tests;

/// <summary>
/// What another local user can reach of a running <c>hookline start</c>: a scripted agent, while the session runs,
/// finds every TCP port the hookline process listens on and tries them as uid 65534 (setpriv). The trail must not be
/// readable and no port may take gRPC calls (ending the session, forging events).
/// </summary>
public sealed class StartExposureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-exp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableFact]
    public async Task Another_local_user_can_neither_read_the_trail_nor_call_the_agent_service_of_a_running_start()
    {
        Requires.Root("to act as a second local user through setpriv");
        var output = Path.Combine(_dir, "attack");
        // EndSession(session_id = $HOOKLINE_SESSION) as one gRPC frame: flag 0, length 38, field 1 (0x0a) of 36 bytes.
        var agent = Path.Combine(_dir, "fake-agent");
        await File.WriteAllTextAsync(agent, $$"""
            #!/bin/sh
            # Claude Code 2.1.330 as far as start asks: its HTTP-hook port is then open too.
            if [ "$1" = "--version" ]; then echo "2.1.330 (Claude Code)"; exit 0; fi
            as_other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
            ports=$(ss -ltnpH | grep "pid=$PPID," | awk '{print $4}' | sed 's/.*://' | sort -u)
            echo $ports > '{{output}}.ports'
            for port in $ports; do
              code=$(as_other curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/events")
              echo "$port $code" >> '{{output}}.read'
              printf '\000\000\000\000\046\012\044%s' "$HOOKLINE_SESSION" |
                as_other curl -s -i --max-time 5 --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
                  --data-binary @- "http://127.0.0.1:$port/hookline.v1.AgentService/EndSession" >> '{{output}}.grpc' 2>&1
            done
            exit 0
            """);
        File.SetUnixFileMode(agent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var policy = Path.Combine(_dir, "policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);

        var run = await CliRun.RunAsync(["start", "--agent", "claude", "--policy", policy, "--agent-command", agent],
            new Dictionary<string, string>
            {
                ["XDG_STATE_HOME"] = Path.Combine(_dir, "state"),
                ["XDG_DATA_HOME"] = Path.Combine(_dir, "data"),
            });

        Assert.True(run.Exit == 0, run.Stderr);
        var ports = (await File.ReadAllTextAsync(output + ".ports")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(ports);
        foreach (var line in await File.ReadAllLinesAsync(output + ".read"))
        {
            Assert.EndsWith(" 401", line);
        }
        var grpc = File.Exists(output + ".grpc") ? await File.ReadAllTextAsync(output + ".grpc") : "";
        Assert.DoesNotContain("grpc-status", grpc, StringComparison.OrdinalIgnoreCase);
        // The dashboard is one of them, and start told its own user how to sign in.
        Assert.Contains(ports, port => run.Stderr.Contains($"hookline: dashboard http://127.0.0.1:{port}/ui/login", StringComparison.Ordinal));
        Assert.Contains("sign in with this run's token", run.Stderr);
    }
}
