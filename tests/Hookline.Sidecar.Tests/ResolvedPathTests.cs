using System.Collections.Concurrent;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The sidecar resolves the symbolic links of a tool's paths on the agent's machine and sends the real paths with the
/// event, so the server and the local fallback decide alike: a link inside the project that points at a protected
/// file is denied by the rule that protects the file, wherever the decision is made.
/// </summary>
public sealed class ResolvedPathTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_symlink_in_the_project_to_a_protected_file_is_denied_by_the_server_and_by_the_local_fallback()
    {
        var secrets = Directory.CreateDirectory(_dir.File("secrets")).FullName;
        var project = Directory.CreateDirectory(_dir.File("project")).FullName;
        await File.WriteAllTextAsync(Path.Combine(secrets, "key.pem"), "-----BEGIN PRIVATE KEY-----");
        File.CreateSymbolicLink(Path.Combine(project, "notes.txt"), "../secrets/key.pem");
        await File.WriteAllTextAsync(Path.Combine(project, "README.md"), "hello");
        var policyFile = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policyFile, $"""
            version: 1
            default: ask
            rules:
              - id: no-secrets
                effect: deny
                match: "Read(/{secrets}/**)"
              - id: read-project
                effect: allow
                match: "Read(./**)"
            """);
        var server = await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = policyFile,
            DataDirectory = _dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        await using var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = server.GrpcAddress,
            SocketPath = _dir.File("s.sock"),
            StateDirectory = _dir.File("state"),
            OrphanFile = _dir.File("orphans.jsonl"),
            Budget = TimeSpan.FromSeconds(5),
            // Generous on a loaded test machine; the production budget is a few milliseconds.
            PathLookupBudget = TimeSpan.FromSeconds(5),
            WarmupTimeout = TimeSpan.FromSeconds(10),
        });
        var decisions = new ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;

        string Read(string file) => HookClient.PreToolUse("Read", new Dictionary<string, string> { ["file_path"] = file }, cwd: project);
        var plain = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", Read(Path.Combine(project, "README.md")));
        var linked = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", Read("notes.txt"));
        await server.DisposeAsync();
        var linkedLocally = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", Read("notes.txt"));

        Assert.Equal("allow", plain.PermissionDecision);
        Assert.Equal("deny", linked.PermissionDecision);
        Assert.Equal("deny", linkedLocally.PermissionDecision);
        Assert.Equal(
            [("remote", "allow", "read-project"), ("remote", "deny", "no-secrets"), ("local", "deny", "no-secrets")],
            decisions.Select(d => (d.Source, d.Verdict, d.RuleIds.Count > 0 ? d.RuleIds[0] : "")));
    }
}
