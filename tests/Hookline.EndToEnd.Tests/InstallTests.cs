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

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
