using Hookline.Server;
using Microsoft.Data.Sqlite;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A real sidecar through a real server that requires tokens and mutual TLS: the token and the client certificate on
/// every call, the token's user in the server's and the sidecar's own decisions, and in the audit trail.
/// </summary>
public sealed class SidecarAuthTests : IAsyncLifetime
{
    private const string Policy = """
        version: 1
        default: allow
        rules:
          - id: no-force-delete
            effect: deny
            match: "Bash(rm -rf *)"
            reason: "Recursive force delete is blocked"
          - id: interns-no-push
            effect: deny
            match: "Bash(git push *)"
            when: {field: user, one_of: [intern]}
            reason: "Interns do not push"
        """;

    private readonly TempDir _dir = new();
    private TestCertificates _certs = null!;
    private HooklineServer _server = null!;

    public async Task InitializeAsync()
    {
        _certs = TestCertificates.Create(_dir.Path);
        var policy = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policy);
        _server = await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "https://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = policy,
            DataDirectory = _dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            Auth = ServerAuthMode.Required,
            TlsCertificateFile = _certs.ServerCertFile,
            TlsKeyFile = _certs.ServerKeyFile,
            ClientCaFile = _certs.CaFile,
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private Task<HooklineSidecar> StartSidecarAsync(string? token, TimeSpan budget, bool clientCertificate = true) =>
        HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = _server.GrpcAddress,
            Token = token,
            CaFile = _certs.CaFile,
            ClientCertificateFile = clientCertificate ? _certs.ClientCertFile : null,
            ClientKeyFile = clientCertificate ? _certs.ClientKeyFile : null,
            SocketPath = _dir.File($"s{Guid.NewGuid():N}"[..12] + ".sock"),
            StateDirectory = _dir.File("state"),
            Budget = budget,
            MinReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        });

    private string Token(string user) => Tokens.Create(_dir.File("data"), user + "-laptop", TokenScope.Sidecar, user, "acme").Token;

    [Fact]
    public async Task Over_mutual_tls_with_its_token_the_sidecar_gets_the_servers_decisions_and_the_audit_trail_names_the_user()
    {
        await using var sidecar = await StartSidecarAsync(Token("intern"), TimeSpan.FromSeconds(5));
        var decisions = new System.Collections.Concurrent.ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;

        var rm = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /"));
        var push = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git push origin main"));
        Assert.True(await sidecar.FlushAsync(Bound.Hang));

        Assert.True(sidecar.IsConnected);
        Assert.Equal("deny", rm.PermissionDecision);
        Assert.Equal("deny", push.PermissionDecision);
        Assert.All(decisions, d => Assert.Equal("remote", d.Source));
        Assert.Equal(["interns-no-push"], decisions.Last().RuleIds);
        var events = await AuditTrail.ReadEventsAsync(_dir.File("data"), sidecar.SessionId);
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(("intern", "acme", true), (e.User, e.Org, e.Authenticated)));
    }

    [Fact]
    public async Task The_local_fallback_evaluates_user_conditions_with_the_user_the_server_named()
    {
        // A zero budget: every blocking hook is decided by the sidecar itself, with the pushed snapshot.
        await using var intern = await StartSidecarAsync(Token("intern"), TimeSpan.Zero);
        await using var senior = await StartSidecarAsync(Token("senior"), TimeSpan.Zero);
        var sources = new System.Collections.Concurrent.ConcurrentQueue<string>();
        intern.Decided += d => sources.Enqueue(d.Source);
        senior.Decided += d => sources.Enqueue(d.Source);

        var internPush = await HookClient.SendAsync(intern.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git push origin main"));
        var seniorPush = await HookClient.SendAsync(senior.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git push origin main"));

        Assert.Equal(["local", "local"], sources);
        Assert.Equal("deny", internPush.PermissionDecision);
        Assert.Null(seniorPush.PermissionDecision);
    }

    [Fact]
    public async Task Without_a_token_the_sidecar_is_refused_and_blocking_hooks_fail_closed()
    {
        await using var sidecar = await StartSidecarAsync(token: null, TimeSpan.FromSeconds(1));

        var reply = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("ls"));

        Assert.False(sidecar.IsConnected);
        Assert.Equal(0UL, sidecar.PolicyEpoch);
        Assert.Equal("deny", reply.PermissionDecision);
        Assert.Contains("policy unavailable", reply.Stdout);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_sidecar_never_reaches_the_server()
    {
        await using var sidecar = await StartSidecarAsync(Token("alice"), TimeSpan.FromSeconds(1), clientCertificate: false);

        var reply = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("ls"));

        Assert.False(sidecar.IsConnected);
        Assert.Equal("deny", reply.PermissionDecision);
        await using var connection = new SqliteConnection($"Data Source={_server.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM sessions";
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }
}
