using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Hookline.EndToEnd.Tests;

/// <summary>
/// Tokens, the config file, TLS and the hook socket's peer check, with the published binaries as real processes.
/// </summary>
public sealed class IdentityCliTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-id-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Data => Path.Combine(_dir, "data");

    private static async Task<(int Exit, string Stdout, string Stderr)> Hookline(params string[] args) => await CliRun.RunAsync(args);

    [Fact]
    public async Task Token_create_prints_the_token_alone_on_the_last_line_list_hides_it_and_revoke_ends_it()
    {
        var created = await Hookline("token", "create", "--data", Data, "--name", "ci-runner", "--scope", "sidecar", "--user", "alice", "--org", "acme");
        var token = created.Stdout.TrimEnd('\n').Split('\n')[^1];
        var listed = await Hookline("token", "list", "--data", Data, "--json");
        var duplicate = await Hookline("token", "create", "--data", Data, "--name", "ci-runner", "--scope", "read");
        var revoked = await Hookline("token", "revoke", "ci-runner", "--data", Data);
        var again = await Hookline("token", "revoke", "ci-runner", "--data", Data);
        var afterRevoke = await Hookline("token", "list", "--data", Data, "--json");

        Assert.Equal(0, created.Exit);
        Assert.Matches("^hl_[A-Za-z0-9_-]{43}$", token);
        Assert.Equal(0, listed.Exit);
        var info = JsonDocument.Parse(listed.Stdout.Trim()).RootElement;
        Assert.Equal(("ci-runner", "sidecar", "alice", "acme"),
            (info.GetProperty("name").GetString(), info.GetProperty("scope").GetString(), info.GetProperty("user").GetString(), info.GetProperty("org").GetString()));
        Assert.DoesNotContain(token, listed.Stdout);
        Assert.Equal(2, duplicate.Exit);
        Assert.Contains("exists already", duplicate.Stderr);
        Assert.Equal(0, revoked.Exit);
        Assert.Equal(1, again.Exit);
        Assert.True(JsonDocument.Parse(afterRevoke.Stdout.Trim()).RootElement.TryGetProperty("revoked_at", out _));
        Assert.False(File.ReadAllBytes(Path.Combine(Data, "hookline.db")).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(token)) >= 0);
    }

    [SkippableFact]
    public async Task Token_commands_work_on_the_postgres_database_and_store_only_the_hash()
    {
        await using var database = await TestDatabase.CreateAsync();
        var postgres = new Dictionary<string, string> { ["HOOKLINE_POSTGRES"] = database.ConnectionString };

        var created = await CliRun.RunAsync(["token", "create", "--postgres", database.ConnectionString, "--data", Data, "--name", "replica-admin",
            "--scope", "admin", "--org", "platform"]);
        var token = created.Stdout.TrimEnd('\n').Split('\n')[^1];
        // --postgres defaults to $HOOKLINE_POSTGRES, so the password can stay out of the process list.
        var listed = await CliRun.RunAsync(["token", "list", "--json"], postgres);
        var revoked = await CliRun.RunAsync(["token", "revoke", "replica-admin"], postgres);

        Assert.Equal(0, created.Exit);
        Assert.Matches("^hl_[A-Za-z0-9_-]{43}$", token);
        var info = JsonDocument.Parse(listed.Stdout.Trim()).RootElement;
        Assert.Equal(("replica-admin", "admin", "platform"),
            (info.GetProperty("name").GetString(), info.GetProperty("scope").GetString(), info.GetProperty("org").GetString()));
        Assert.DoesNotContain(token, listed.Stdout);
        Assert.Equal(0, revoked.Exit);
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT COUNT(*) FROM tokens WHERE revoked_at_ms IS NOT NULL"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT COUNT(*) FROM tokens t WHERE strpos(t::text, @secret) > 0",
            ("secret", token[3..])));
        Assert.False(Directory.Exists(Data), "with --postgres nothing is written under the data directory");
    }

    /// <summary>
    /// The whole deployment: a server from a config file (TLS, mutual TLS, auth required, a secret from the
    /// environment), tokens managed through its admin endpoint, and a sidecar with its token and client certificate.
    /// </summary>
    [Fact]
    public async Task A_server_from_a_config_file_with_mutual_tls_serves_a_sidecar_with_its_token_and_records_the_user()
    {
        var certs = TestCertificates.Create(_dir);
        var (grpcPort, httpPort) = (Ports.Free(), Ports.Free());
        await File.WriteAllTextAsync(Path.Combine(_dir, "policy.yaml"), Policies.Standard);
        var admin = (await Hookline("token", "create", "--data", Data, "--name", "root", "--scope", "admin")).Stdout.TrimEnd().Split('\n')[^1];
        var config = Path.Combine(_dir, "hookline.yaml");
        await File.WriteAllTextAsync(config, $$"""
            # One file for the deployment; the data directory comes from the environment.
            listen: https://127.0.0.1:{{grpcPort}}
            http-listen: https://127.0.0.1:{{httpPort}}
            policy: {{Path.Combine(_dir, "policy.yaml")}}
            data: ${ENV:HL_TEST_DATA}
            auth: required
            tls-cert: {{certs.ServerCertFile}}
            tls-key: {{certs.ServerKeyFile}}
            client-ca: {{certs.CaFile}}
            log-level: Warning
            """);
        var env = new Dictionary<string, string> { ["HL_TEST_DATA"] = Data };

        // The flag on the command line beats the file's Warning: the Information line below proves it.
        await using var server = ChildProcess.Start(Artifacts.Hookline, ["server", "--config", config, "--log-level", "Information"], env);
        await server.WaitForLineAsync("Hookline server: gRPC on", StartTimeout);
        var httpUrl = $"https://127.0.0.1:{httpPort}";
        var viaServer = await CliRun.RunAsync(["token", "create", "--server", httpUrl, "--ca", certs.CaFile, "--name", "alice-laptop",
            "--scope", "sidecar", "--user", "alice", "--org", "acme"], new Dictionary<string, string> { ["HOOKLINE_TOKEN"] = admin });
        var refused = await Hookline("token", "list", "--server", httpUrl, "--ca", certs.CaFile);
        Assert.Equal(0, viaServer.Exit);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("401", refused.Stderr);
        var sidecarToken = viaServer.Stdout.TrimEnd().Split('\n')[^1];

        var socket = Path.Combine(_dir, "run", "hook.sock");
        await using var sidecar = ChildProcess.Start(Artifacts.Hookline,
        [
            "sidecar", "--server", $"https://127.0.0.1:{grpcPort}", "--socket", socket, "--state-dir", Path.Combine(_dir, "state"),
            "--ca", certs.CaFile, "--client-cert", certs.ClientCertFile, "--client-key", certs.ClientKeyFile, "--budget-ms", "5000",
            "--log-level", "Debug",
        ], new Dictionary<string, string> { ["HOOKLINE_TOKEN"] = sidecarToken, ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(_dir, "orphans.jsonl") });
        await sidecar.WaitForLineAsync("HOOKLINE_SOCKET=", StartTimeout);
        var denied = await HookRun.SpawnAsync(socket, "pre-tool-use", HookRun.Bash("cd /tmp && rm -rf build"));
        // The server acknowledges an event once it is stored: then the audit trail holds it.
        await sidecar.WaitForLineAsync("0 await acknowledgement", StartTimeout);
        var events = await Hookline("events", "--data", Data, "--json");

        Assert.Equal("deny", denied.PermissionDecision);
        Assert.Contains("\"source\":\"remote\"", events.Stdout);
        var recorded = JsonDocument.Parse(events.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("alice", recorded.GetProperty("user").GetString());
        Assert.Equal("acme", recorded.GetProperty("org").GetString());
        Assert.True(recorded.GetProperty("authenticated").GetBoolean());
    }

    /// <summary>The published (Native AOT) server validates a real JWT: the JWKS parsing and signature checks survive trimming.</summary>
    [Fact]
    public async Task The_published_server_accepts_a_jwt_signed_by_a_key_of_its_jwks_and_refuses_another()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        using var stranger = System.Security.Cryptography.RSA.Create(2048);
        var key = rsa.ExportParameters(false);
        var jwks = Path.Combine(_dir, "jwks.json");
        await File.WriteAllTextAsync(jwks, $$"""
            {"keys": [{"kty": "RSA", "use": "sig", "kid": "k1", "n": "{{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(key.Modulus)}}", "e": "{{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(key.Exponent)}}"}]}
            """);
        string Jwt(System.Security.Cryptography.RSA signer) => new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(
            new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
            {
                Issuer = "https://login.example.test/",
                Audience = "hookline",
                Claims = new Dictionary<string, object> { ["sub"] = "ops-1", ["scope"] = "hookline:admin" },
                Expires = DateTime.UtcNow.AddMinutes(10),
                SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                    new Microsoft.IdentityModel.Tokens.RsaSecurityKey(signer) { KeyId = "k1" }, "RS256"),
            });
        var httpPort = Ports.Free();

        await using var server = ChildProcess.Start(Artifacts.Hookline, ["server", "--listen", "http://127.0.0.1:0", "--http-listen",
            $"http://127.0.0.1:{httpPort}", "--data", Data, "--auth", "required", "--oidc-issuer", "https://login.example.test/",
            "--oidc-audience", "hookline", "--oidc-jwks", jwks]);
        await server.WaitForLineAsync("Hookline server: gRPC on", StartTimeout);
        var accepted = await CliRun.RunAsync(["token", "list", "--server", $"http://127.0.0.1:{httpPort}"],
            new Dictionary<string, string> { ["HOOKLINE_TOKEN"] = Jwt(rsa) });
        var refused = await CliRun.RunAsync(["token", "list", "--server", $"http://127.0.0.1:{httpPort}"],
            new Dictionary<string, string> { ["HOOKLINE_TOKEN"] = Jwt(stranger) });

        Assert.True(server.SawLine("JWT bearer tokens accepted from issuer https://login.example.test/"));
        Assert.Equal(0, accepted.Exit);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("401", refused.Stderr);
    }

    [Fact]
    public async Task Oidc_settings_from_flags_or_the_config_file_are_checked_before_the_server_starts()
    {
        var config = Path.Combine(_dir, "oidc.yaml");
        await File.WriteAllTextAsync(Path.Combine(_dir, "jwks.json"), "{\"keys\": []}");
        await File.WriteAllTextAsync(config, $"""
            listen: http://127.0.0.1:0
            http-listen: http://127.0.0.1:0
            data: {Data}
            auth: required
            oidc-issuer: https://login.example.test/
            oidc-audience: hookline
            oidc-jwks: {Path.Combine(_dir, "jwks.json")}
            """);

        var partial = await Hookline("server", "--listen", "http://127.0.0.1:0", "--http-listen", "http://127.0.0.1:0", "--data", Data,
            "--auth", "required", "--oidc-issuer", "https://login.example.test/");
        var noKeys = await Hookline("server", "--config", config);
        var plainHttp = await Hookline("server", "--config", config, "--oidc-jwks", "http://login.example.test/jwks.json");

        Assert.Equal(2, partial.Exit);
        Assert.Contains("--oidc-issuer, --oidc-audience and --oidc-jwks go together", partial.Stderr);
        Assert.Equal(2, noKeys.Exit);
        Assert.Contains("holds no usable signing key", noKeys.Stderr);
        Assert.Equal(2, plainHttp.Exit);
        Assert.Contains("must be https://", plainHttp.Stderr);
    }

    [Fact]
    public async Task A_config_file_with_an_unknown_key_or_a_missing_variable_is_refused_with_its_line()
    {
        var typo = Path.Combine(_dir, "typo.yaml");
        await File.WriteAllTextAsync(typo, "listen: http://127.0.0.1:0\nlisten-http: http://127.0.0.1:0\n");
        var secret = Path.Combine(_dir, "secret.yaml");
        await File.WriteAllTextAsync(secret, "data: ${ENV:HL_SURELY_NOT_SET_ANYWHERE}\n");

        var unknown = await Hookline("server", "--config", typo);
        var missing = await Hookline("server", "--config", secret);

        Assert.Equal(2, unknown.Exit);
        Assert.Contains("typo.yaml:2: unknown key 'listen-http'", unknown.Stderr);
        Assert.Equal(2, missing.Exit);
        Assert.Contains("environment variable HL_SURELY_NOT_SET_ANYWHERE is not set", missing.Stderr);
    }

    /// <summary>
    /// A client run as another uid is refused by the sidecar's SO_PEERCRED check. The socket's directory and the socket
    /// are opened up for this test only, so it is the peer check, not the file modes, that refuses. The hook itself
    /// never connects there (the directory is not its user's), so a raw client stands in for a hostile one.
    /// </summary>
    [SkippableFact]
    public async Task A_client_running_as_another_uid_is_refused_by_the_peer_check()
    {
        // Switching uid needs root (CI runs as root); elsewhere there is no second uid to test with.
        Requires.Root("to connect as another uid");
        Requires.Tool("/usr/bin/setpriv", "util-linux switches the uid");
        Requires.Tool("/usr/bin/perl", "the raw client is a perl script");
        await using var stack = await ProcessStack.StartAsync(directory: _dir);
        var socketDirectory = Path.GetDirectoryName(stack.SocketPath)!;
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(socketDirectory, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(stack.SocketPath, (UnixFileMode)0b110_110_110);
        var shared = Path.Combine(_dir, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111);
        var hook = Path.Combine(shared, "hookline-hook");
        File.Copy(Artifacts.Hook, hook);
        File.SetUnixFileMode(hook, (UnixFileMode)0b111_101_101);
        string[] asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        const string RawClient = """
            use IO::Socket::UNIX; my $stdin = do { local $/; <STDIN> };
            my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!";
            syswrite($s, pack('N', 5) . 'hello'); my $reply; sysread($s, $reply, 64); exit 0;
            """;

        var raw = await RunHookAsync([.. asNobody, "/usr/bin/perl", "-e", RawClient, stack.SocketPath], stack.SocketPath, shared);
        await stack.Sidecar!.WaitForLineAsync("Refused a hook connection from uid 65534", StartTimeout);
        var nobodysHook = await RunHookAsync([.. asNobody, hook], stack.SocketPath, shared);
        File.SetUnixFileMode(socketDirectory, (UnixFileMode)0b111_000_000);
        var ownersHook = await RunHookAsync([hook], stack.SocketPath, shared);

        Assert.Equal(0, raw.Exit);
        Assert.Equal(2, nobodysHook.Exit);
        Assert.Contains($"untrusted socket: {socketDirectory} belongs to uid 0, not to uid 65534", nobodysHook.Stderr);
        Assert.Equal(0, ownersHook.Exit);
        Assert.False(stack.Sidecar.SawLine("Refused a hook connection from uid 0"));
    }

    private static async Task<(int Exit, string Stderr)> RunHookAsync(string[] command, string socket, string orphanDirectory)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in command[1..].Concat(["--agent", "claude", "--event", "pre-tool-use"]))
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOOKLINE_SOCKET"] = socket;
        start.Environment["HOOKLINE_FAIL_MODE"] = "closed";
        start.Environment["HOOKLINE_ORPHAN_FILE"] = Path.Combine(orphanDirectory, "orphans.jsonl");
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(HookRun.Bash("ls"));
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
