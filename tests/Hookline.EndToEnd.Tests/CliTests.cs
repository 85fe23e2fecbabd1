using System.Text.Json;

namespace Hookline.EndToEnd.Tests;

/// <summary>The published <c>hookline</c> CLI: <c>start</c> wiring a (scripted) agent, whose hooks are real processes.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, IDictionary<string, string>? env = null)
        => CliRun.RunAsync(args, env);

    [Fact]
    public async Task Start_wires_the_agent_to_the_hooks_and_the_hooks_are_enforced()
    {
        // A stand-in for claude: it reads the settings file it was given, and runs the PreToolUse hook command
        // exactly as Claude Code would, with PreToolUse stdin, then exits.
        var agent = Path.Combine(_dir, "fake-claude");
        var output = Path.Combine(_dir, "agent-output");
        await File.WriteAllTextAsync(agent, $$"""
            #!/bin/sh
            set -u
            settings="$2"
            cp "$settings" '{{output}}.settings.json'
            cmd=$(grep -o '"command": "[^"]*--event pre-tool-use --approval-wait"' "$settings" | sed 's/^"command": "//; s/"$//')
            printf '%s' '{{HookRun.Bash("rm -rf /home").Replace("'", "", StringComparison.Ordinal)}}' | sh -c "$cmd" > '{{output}}.stdout'
            echo "exit=$? socket=$HOOKLINE_SOCKET fail=$HOOKLINE_FAIL_MODE args=$*" > '{{output}}.meta'
            exit 7
            """);
        File.SetUnixFileMode(agent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var policy = Path.Combine(_dir, "policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);

        var run = await RunAsync(["start", "--agent", "claude", "--policy", policy, "--agent-command", agent, "--", "-p", "hello"],
            new Dictionary<string, string>
            {
                ["XDG_STATE_HOME"] = Path.Combine(_dir, "state"),
                ["XDG_DATA_HOME"] = Path.Combine(_dir, "data"),
            });

        Assert.Equal(7, run.Exit);
        var meta = await File.ReadAllTextAsync(output + ".meta");
        Assert.StartsWith("exit=0 socket=", meta);
        Assert.Contains("fail=closed", meta);
        Assert.Contains("-p hello", meta);
        using var answer = JsonDocument.Parse(await File.ReadAllTextAsync(output + ".stdout"));
        Assert.Equal("deny", answer.RootElement.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString());
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(output + ".settings.json"));
        var hooks = settings.RootElement.GetProperty("hooks");
        foreach (var name in new[] { "PreToolUse", "PermissionRequest", "PostToolUse", "PostToolUseFailure", "UserPromptSubmit", "SessionStart", "SessionEnd", "Stop", "SubagentStart", "SubagentStop" })
        {
            var hook = hooks.GetProperty(name)[0].GetProperty("hooks")[0];
            Assert.Equal("block", hook.GetProperty("onFailure").GetString());
            Assert.Contains("hookline-hook --agent claude --event ", hook.GetProperty("command").GetString());
        }
    }

    [Fact]
    public async Task Start_gives_a_claude_with_http_hooks_an_http_endpoint_behind_a_secret()
    {
        // A stand-in for Claude Code 2.1.330: it reports its version, then posts PreToolUse to the http hook it was given, as Claude does.
        var agent = Path.Combine(_dir, "fake-claude");
        var output = Path.Combine(_dir, "agent-output");
        await File.WriteAllTextAsync(agent, $$"""
            #!/bin/sh
            if [ "$1" = "--version" ]; then echo "2.1.330 (Claude Code)"; exit 0; fi
            settings="$2"
            cp "$settings" '{{output}}.settings.json'
            url=$(grep -o '"url": "[^"]*pre-tool-use"' "$settings" | sed 's/^"url": "//; s/"$//')
            secret=$(grep -o '"X-Hookline-Secret": "[^"]*"' "$settings" | head -n 1 | sed 's/^"X-Hookline-Secret": "//; s/"$//')
            printf '%s' '{{HookRun.Bash("rm -rf /home").Replace("'", "", StringComparison.Ordinal)}}' |
              curl -s -o '{{output}}.stdout' -w '%{http_code}' -H "X-Hookline-Secret: $secret" -H 'Content-Type: application/json' --data-binary @- "$url" > '{{output}}.status'
            printf '{}' | curl -s -o /dev/null -w '%{http_code}' -H 'X-Hookline-Secret: wrong' --data-binary @- "$url" > '{{output}}.wrong'
            exit 0
            """);
        File.SetUnixFileMode(agent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var policy = Path.Combine(_dir, "policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);

        var run = await RunAsync(["start", "--agent", "claude", "--policy", policy, "--agent-command", agent],
            new Dictionary<string, string>
            {
                ["XDG_STATE_HOME"] = Path.Combine(_dir, "state"),
                ["XDG_DATA_HOME"] = Path.Combine(_dir, "data"),
            });

        Assert.Equal(0, run.Exit);
        Assert.Equal("200", await File.ReadAllTextAsync(output + ".status"));
        Assert.Equal("403", await File.ReadAllTextAsync(output + ".wrong"));
        using var answer = JsonDocument.Parse(await File.ReadAllTextAsync(output + ".stdout"));
        Assert.Equal("deny", answer.RootElement.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString());
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(output + ".settings.json"));
        var hooks = settings.RootElement.GetProperty("hooks");
        foreach (var name in new[] { "PreToolUse", "PermissionRequest", "PostToolUse", "UserPromptSubmit", "Stop" })
        {
            var hook = hooks.GetProperty(name)[0].GetProperty("hooks")[0];
            Assert.Equal(("http", "block"), (hook.GetProperty("type").GetString(), hook.GetProperty("onFailure").GetString()));
            Assert.StartsWith("http://127.0.0.1:", hook.GetProperty("url").GetString());
        }
        Assert.Equal("command", hooks.GetProperty("SessionStart")[0].GetProperty("hooks")[0].GetProperty("type").GetString());
        var written = Directory.GetFiles(Path.Combine(_dir, "state"), "claude-settings.json", SearchOption.AllDirectories).Single();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(written));
    }
}
