using System.Text.Json;

namespace Hookline.EndToEnd.Tests;

/// <summary>
/// <c>hookline install</c> / <c>uninstall</c> on each agent's settings file: the user's own hooks stay, install is
/// idempotent, and uninstall gives back the file byte for byte.
/// </summary>
public sealed class InstallTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("hl-install-").FullName;

    private Dictionary<string, string> Env => new()
    {
        ["HOME"] = _home,
        ["CODEX_HOME"] = Path.Combine(_home, ".codex"),
        ["XDG_STATE_HOME"] = Path.Combine(_home, "state"),
    };

    // The user's own settings, formatted their way (so a byte-level round trip means something).
    private const string UserClaude = "{\n  \"model\": \"opus\",\n  \"hooks\": {\n    \"PreToolUse\": [ { \"matcher\": \"Bash\", \"hooks\": [ { \"type\": \"command\", \"command\": \"my-linter\" } ] } ]\n  }\n}\n";

    private const string UserCursor = "{ \"version\": 1, \"hooks\": { \"beforeShellExecution\": [ { \"command\": \"./mine.sh\" } ] } }";

    public static TheoryData<string, string, string> Agents => new()
    {
        { "claude", ".claude/settings.json", UserClaude },
        { "codex", ".codex/hooks.json", UserClaude.Replace("\"model\": \"opus\",\n  ", "", StringComparison.Ordinal) },
        { "gemini", ".gemini/settings.json", UserClaude.Replace("PreToolUse", "BeforeTool", StringComparison.Ordinal) },
        { "cursor", ".cursor/hooks.json", UserCursor },
        { "qwen", ".qwen/settings.json", UserClaude },
    };

    [Theory]
    [MemberData(nameof(Agents))]
    public async Task Install_keeps_the_users_hooks_is_idempotent_and_uninstall_restores_the_exact_bytes(string agent, string file, string userSettings)
    {
        var path = Path.Combine(_home, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, userSettings);

        var install = await CliRun.RunAsync(["install", "--agent", agent], Env);
        Assert.True(install.Exit == 0, install.Stderr);
        var once = await File.ReadAllTextAsync(path);
        Assert.Contains(userSettings.Contains("my-linter", StringComparison.Ordinal) ? "my-linter" : "./mine.sh", once, StringComparison.Ordinal);
        Assert.Contains($"--agent {agent} --event", once, StringComparison.Ordinal);
        using (var parsed = JsonDocument.Parse(once))
        {
            Assert.Equal(JsonValueKind.Object, parsed.RootElement.GetProperty("hooks").ValueKind);
        }

        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", agent], Env)).Exit);
        Assert.Equal(once, await File.ReadAllTextAsync(path));

        var uninstall = await CliRun.RunAsync(["uninstall", "--agent", agent], Env);
        Assert.True(uninstall.Exit == 0, uninstall.Stderr);
        Assert.Equal(userSettings, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Fail_closed_install_uses_each_agents_own_switch_and_uninstall_removes_a_file_it_created()
    {
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "claude"], Env)).Exit);
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "cursor"], Env)).Exit);
        var claude = Path.Combine(_home, ".claude", "settings.json");
        var cursor = Path.Combine(_home, ".cursor", "hooks.json");

        using (var settings = JsonDocument.Parse(await File.ReadAllTextAsync(claude)))
        {
            var hook = settings.RootElement.GetProperty("hooks").GetProperty("PreToolUse")[0].GetProperty("hooks")[0];
            Assert.Equal("block", hook.GetProperty("onFailure").GetString());
            Assert.DoesNotContain("HOOKLINE_SOCKET", hook.GetProperty("command").GetString(), StringComparison.Ordinal);
        }
        using (var hooks = JsonDocument.Parse(await File.ReadAllTextAsync(cursor)))
        {
            Assert.Equal(1, hooks.RootElement.GetProperty("version").GetInt32());
            Assert.True(hooks.RootElement.GetProperty("hooks").GetProperty("beforeShellExecution")[0].GetProperty("failClosed").GetBoolean());
        }

        Assert.Equal(0, (await CliRun.RunAsync(["uninstall", "--agent", "claude"], Env)).Exit);
        Assert.Equal(0, (await CliRun.RunAsync(["uninstall", "--agent", "cursor"], Env)).Exit);
        Assert.False(File.Exists(claude));
        Assert.False(File.Exists(cursor));
    }

    [Fact]
    public async Task A_settings_file_that_is_not_json_is_left_alone_with_a_clear_error()
    {
        var path = Path.Combine(_home, ".gemini", "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "{ not json");

        var install = await CliRun.RunAsync(["install", "--agent", "gemini"], Env);

        Assert.Equal(2, install.Exit);
        Assert.Contains("not valid JSON", install.Stderr, StringComparison.Ordinal);
        Assert.Equal("{ not json", await File.ReadAllTextAsync(path));
    }

    /// <summary>
    /// Copilot reads every <c>$COPILOT_HOME/hooks/*.json</c>: install writes a file of its own there, beside the user's
    /// hook files and settings, which stay byte for byte as they were; uninstall takes that file away again.
    /// </summary>
    [Fact]
    public async Task Copilot_install_writes_its_own_hook_file_beside_the_users_and_doctor_checks_it()
    {
        var copilotHome = Path.Combine(_home, "copilot-home");
        var env = new Dictionary<string, string>(Env) { ["COPILOT_HOME"] = copilotHome };
        var mine = Path.Combine(copilotHome, "hooks", "mine.json");
        var settings = Path.Combine(copilotHome, "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(mine)!);
        const string UserHooks = "{ \"version\": 1, \"hooks\": { \"preToolUse\": [ { \"type\": \"command\", \"bash\": \"./mine.sh\" } ] } }";
        const string UserSettings = "{\n  \"banner\": \"never\"\n}\n";
        await File.WriteAllTextAsync(mine, UserHooks);
        await File.WriteAllTextAsync(settings, UserSettings);
        var ours = Path.Combine(copilotHome, "hooks", "hookline.json");

        Assert.Equal("warn", (await CopilotDoctorAsync(env)).Status);
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "copilot"], env)).Exit);
        var once = await File.ReadAllTextAsync(ours);
        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "copilot"], env)).Exit);

        Assert.Equal(once, await File.ReadAllTextAsync(ours));
        using (var document = JsonDocument.Parse(once))
        {
            Assert.Equal(1, document.RootElement.GetProperty("version").GetInt32());
            var pre = Assert.Single(document.RootElement.GetProperty("hooks").GetProperty("preToolUse").EnumerateArray());
            Assert.EndsWith("--agent copilot --event pre-tool-use --approval-wait", pre.GetProperty("bash").GetString(), StringComparison.Ordinal);
            // Above the hook's longest wait for an approval: Copilot lets the tool run when it gives up on a hook.
            Assert.Equal(600, pre.GetProperty("timeoutSec").GetInt32());
        }
        // "*" is an invalid regex in Copilot's file, and Copilot then skips the hook silently.
        Assert.DoesNotContain("matcher", once, StringComparison.Ordinal);
        var doctor = await CopilotDoctorAsync(env);
        Assert.Equal("ok", doctor.Status);
        Assert.Contains(ours, doctor.Detail, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRun.RunAsync(["uninstall", "--agent", "copilot"], env)).Exit);

        Assert.False(File.Exists(ours));
        Assert.Equal((UserHooks, UserSettings), (await File.ReadAllTextAsync(mine), await File.ReadAllTextAsync(settings)));
        Assert.Equal("warn", (await CopilotDoctorAsync(env)).Status);
    }

    /// <summary>
    /// Every agent gets a hook timeout of 600 s (AgentNames.WrittenHookTimeoutMs) in its own field and unit, so that a
    /// hook waiting up to 570 s for a person's approval answers before the agent gives up on it (most agents then run
    /// the tool). Claude Code also gets its spinner text on the blocking events.
    /// </summary>
    [Theory]
    [InlineData("claude", ".claude/settings.json", "timeout", 600)]
    [InlineData("codex", ".codex/hooks.json", "timeout", 600)]
    [InlineData("gemini", ".gemini/settings.json", "timeout", 600_000)]
    [InlineData("cursor", ".cursor/hooks.json", "timeout", 600)]
    [InlineData("qwen", ".qwen/settings.json", "timeout", 600)]
    [InlineData("copilot", ".copilot/hooks/hookline.json", "timeoutSec", 600)]
    public async Task Install_writes_each_agent_a_hook_timeout_with_room_for_an_approval_in_its_own_unit(string agent, string file, string field, int expected)
    {
        var install = await CliRun.RunAsync(["install", "--agent", agent, "--agent-command", "/nonexistent/" + agent], Env);
        Assert.True(install.Exit == 0, install.Stderr);

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_home, file)));
        var hooks = HooksOf(document.RootElement, agent).ToList();
        Assert.NotEmpty(hooks);
        Assert.All(hooks, h => Assert.Equal(expected, h.Hook.GetProperty(field).GetInt32()));
        // Only a hook run with the flag waits for a person: written beside the long timeout, absent from older wirings.
        Assert.All(hooks, h => Assert.EndsWith(" --approval-wait",
            (h.Hook.TryGetProperty("command", out var command) ? command : h.Hook.GetProperty("bash")).GetString(), StringComparison.Ordinal));
        if (agent == "claude")
        {
            // Claude Code 2.1.328 shows statusMessage in its spinner while the hook runs: on the events that can wait.
            Assert.All(hooks, h => Assert.Equal(h.Event is "pre-tool-use" or "permission-request" or "user-prompt-submit" ? "Hookline: checking policy" : null,
                h.Hook.TryGetProperty("statusMessage", out var status) ? status.GetString() : null));
        }
        var doctor = await CliRun.RunAsync(["doctor", "--json", "--agent", agent, "--project", _home], Env);
        Assert.DoesNotContain("hook timeout", doctor.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Hooks installed before approvals (30 s): doctor warns, with the fix, and a new install clears it.</summary>
    [Fact]
    public async Task Doctor_warns_when_an_installed_hook_times_out_before_an_approval_could_be_answered()
    {
        var settings = Path.Combine(_home, ".gemini", "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(settings)!);
        await File.WriteAllTextAsync(settings, $$"""
            { "hooks": { "BeforeTool": [ { "matcher": "*", "hooks": [
              { "type": "command", "command": "{{Artifacts.Hook}} --agent gemini --event before-tool", "timeout": 30000 } ] } ] } }
            """);

        var warned = await TimeoutFindingAsync("gemini");
        Assert.NotNull(warned);
        Assert.Equal("warn", warned.Value.Status);
        Assert.Contains("times out after 30 s", warned.Value.Detail, StringComparison.Ordinal);
        Assert.Contains("hookline install --agent gemini", warned.Value.Fix, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRun.RunAsync(["install", "--agent", "gemini"], Env)).Exit);
        Assert.Null(await TimeoutFindingAsync("gemini"));
    }

    private async Task<(string Status, string Detail, string Fix)?> TimeoutFindingAsync(string agent)
    {
        var run = await CliRun.RunAsync(["doctor", "--json", "--agent", agent, "--project", _home], Env);
        using var document = JsonDocument.Parse(run.Stdout);
        foreach (var check in document.RootElement.GetProperty("checks").EnumerateArray())
        {
            if (check.GetProperty("check").GetString() == agent + " hook timeout")
            {
                return (check.GetProperty("status").GetString()!, check.GetProperty("detail").GetString()!, check.GetProperty("fix").GetString()!);
            }
        }
        return null;
    }

    /// <summary>Every hook entry running Hookline's hook for <paramref name="agent"/>, with its kebab-case event.</summary>
    private static IEnumerable<(string Event, JsonElement Hook)> HooksOf(JsonElement element, string agent)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is "command" or "bash" && property.Value.GetString() is { } command
                    && command.IndexOf($"--agent {agent} --event ", StringComparison.Ordinal) is >= 0 and var at)
                {
                    yield return (command[(at + $"--agent {agent} --event ".Length)..].Split(' ')[0], element);
                }
                foreach (var nested in HooksOf(property.Value, agent))
                {
                    yield return nested;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var nested in element.EnumerateArray().SelectMany(e => HooksOf(e, agent)))
            {
                yield return nested;
            }
        }
    }

    private async Task<(string Status, string Detail)> CopilotDoctorAsync(Dictionary<string, string> env)
    {
        var run = await CliRun.RunAsync(["doctor", "--json", "--project", _home], env);
        using var document = JsonDocument.Parse(run.Stdout);
        var check = document.RootElement.GetProperty("checks").EnumerateArray().First(c => c.GetProperty("check").GetString() == "copilot hooks");
        return (check.GetProperty("status").GetString()!, check.GetProperty("detail").GetString()!);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
