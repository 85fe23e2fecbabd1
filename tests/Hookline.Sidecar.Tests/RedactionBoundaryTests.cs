using System.Text;
using System.Text.Json;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Secrets typed into commands, prompts and tool output never reach a disk: a real sidecar spools events while the
/// server is down, then a real server on loopback stores them and more, and no file either wrote holds a secret.
/// </summary>
public sealed class RedactionBoundaryTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private SidecarOptions Options(string server, string session) => SpoolTestStack.Options(_dir, server, session);

    [Fact]
    public async Task No_secret_of_the_corpus_is_in_any_file_of_the_server_or_the_spool()
    {
        var session = Guid.NewGuid().ToString();
        var commands = SecretCorpus.Commands.Select(c => c.Command).ToArray();
        var half = commands.Length / 2;

        // 1. The stream is down: the sidecar decides alone (fail closed) and its spool holds the events.
        await using (var offline = await HooklineSidecar.StartAsync(Options("http://127.0.0.1:1", session)))
        {
            await SendAllAsync(offline.SocketPath, commands[..half]);
            Assert.Equal(half * 2 + 1, offline.UnacknowledgedEvents);
        }

        AssertNoSecretIn(_dir.File("state"), expectFiles: true);

        // 2. The server is up: the spool is replayed, and the rest of the corpus is decided remotely.
        var policyFile = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policyFile, """
            version: 1
            default: allow
            rules:
              - {id: no-curl, effect: deny, match: "Bash(curl *)"}
              - {id: db, effect: ask, match: ["Bash(psql *)", "Bash(mysql *)"]}
            """);
        await using (var server = await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            DataDirectory = _dir.File("data"),
            PolicyFile = policyFile,
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        }))
        {
            await using (var online = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, session)))
            {
                var denied = await HookClient.SendAsync(online.SocketPath, "claude", "pre-tool-use", HookClient.Bash(commands[0]));
                Assert.Equal("deny", denied.PermissionDecision); // the policy saw the real command
                await SendAllAsync(online.SocketPath, commands[half..]);
                Assert.True(await online.FlushAsync(TimeSpan.FromSeconds(120)), "the server did not acknowledge every event");
            }

            var stored = await ScalarAsync<long>(server, "SELECT COUNT(*) FROM events");
            Assert.Equal(commands.Length * 2 + 3, stored);
            Assert.Equal(commands.Length * 2 + 1, await ScalarAsync<long>(server, "SELECT COUNT(*) FROM events WHERE CAST(tool_input AS TEXT) LIKE '%[REDACTED:%'"));
            Assert.True(await ScalarAsync<long>(server, "SELECT COUNT(*) FROM events WHERE matched LIKE 'curl%[REDACTED:%'") >= 1);
        }

        AssertNoSecretIn(_dir.File("data"), expectFiles: true);
        AssertNoSecretIn(_dir.File("state"), expectFiles: false);
    }

    [Fact]
    public async Task The_spool_stores_a_large_output_redacted_then_cut_to_the_capture_cap()
    {
        // 4 MiB of tool output with a secret at its head, while the server is away: the spool on disk keeps 64 KiB of it.
        var session = Guid.NewGuid().ToString();
        await using (var offline = await HooklineSidecar.StartAsync(Options("http://127.0.0.1:1", session)))
        {
            var stdout = "export GITHUB_TOKEN=ghp_SpoolCapTokenHead0123456789abcdefghij\n" + new string('o', 4 * 1024 * 1024);
            var post = PostToolUse("cat build.log", stdout);
            Assert.Contains("SpoolCapTokenHead", post);
            await HookClient.SendAsync(offline.SocketPath, "claude", "post-tool-use", post);
            Assert.Equal(1, offline.UnacknowledgedEvents);
        }

        var files = Directory.GetFiles(_dir.File("state"), "*", SearchOption.AllDirectories);
        var onDisk = files.Sum(f => new FileInfo(f).Length);
        Assert.True(onDisk < 1024 * 1024, $"the spool holds {onDisk} bytes for one 4 MiB output");
        Assert.All(files, f => Assert.True(File.ReadAllBytes(f).AsSpan().IndexOf("SpoolCapTokenHead"u8) < 0, $"{Path.GetFileName(f)} holds the token"));
        Assert.Contains(files, f => File.ReadAllBytes(f).AsSpan().IndexOf(Encoding.ASCII.GetBytes(Core.Redactor.TruncationMarker)) >= 0);
    }

    /// <summary>Each command as a PreToolUse and a PostToolUse (with a tool response), plus one prompt with a key.</summary>
    private static async Task SendAllAsync(string socket, string[] commands)
    {
        foreach (var command in commands)
        {
            await HookClient.SendAsync(socket, "claude", "pre-tool-use", HookClient.Bash(command));
            await HookClient.SendAsync(socket, "claude", "post-tool-use", PostToolUse(command));
        }

        await HookClient.SendAsync(socket, "claude", "user-prompt-submit", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["session_id"] = "3982e839-f0d1-4fef-886f-7146ed1dad82",
            ["cwd"] = "/home/dev/proj",
            ["hook_event_name"] = "UserPromptSubmit",
            ["prompt"] = SecretCorpus.Prompt,
        }));
    }

    private static string PostToolUse(string command, string stdout = SecretCorpus.ToolOutput) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["session_id"] = "3982e839-f0d1-4fef-886f-7146ed1dad82",
        ["cwd"] = "/home/dev/proj",
        ["hook_event_name"] = "PostToolUse",
        ["tool_name"] = "Bash",
        ["tool_input"] = new Dictionary<string, string> { ["command"] = command },
        ["tool_response"] = new Dictionary<string, object> { ["stdout"] = stdout, ["stderr"] = "", ["interrupted"] = false },
        ["tool_use_id"] = "toolu_" + Guid.NewGuid().ToString("N"),
    });

    /// <summary>Scans the raw bytes of every file below the directory (the databases, -wal and -shm included).</summary>
    private static void AssertNoSecretIn(string directory, bool expectFiles)
    {
        var files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories) : [];
        Assert.True(!expectFiles || files.Length > 0, $"nothing was written under {directory}");
        var needles = SecretCorpus.AllSecrets.SelectMany(SecretCorpus.Needles).Distinct().Select(Encoding.UTF8.GetBytes).ToArray();
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var needle in needles)
            {
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{Path.GetFileName(file)} holds '{Encoding.UTF8.GetString(needle)}'");
            }
        }
    }

    private static Task<T> ScalarAsync<T>(HooklineServer server, string sql) => SpoolTestStack.ScalarAsync<T>(server, sql);
}
