using System.Net;

namespace Hookline.EndToEnd.Tests;

/// <summary>
/// Every command that talks to a server, against a real <c>hookline server</c> with TLS (and mutual TLS on gRPC) and
/// a CA made at run time: each reaches it with <c>--ca</c>, and each TLS failure names its cause.
/// </summary>
public sealed class ClientTlsCliTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-tls-").FullName;
    private readonly TestCertificates _certs;

    public ClientTlsCliTests() => _certs = TestCertificates.Create(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record TlsServer(ChildProcess Process, string GrpcUrl, string HttpUrl, string Data) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    private async Task<TlsServer> StartServerAsync(string certFile, string keyFile, bool mutual = false, string? data = null)
    {
        data ??= Path.Combine(_dir, "data");
        var (grpc, http) = ($"https://127.0.0.1:{Ports.Free()}", $"https://127.0.0.1:{Ports.Free()}");
        var policy = Path.Combine(_dir, "policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        List<string> args =
        [
            "server", "--listen", grpc, "--http-listen", http, "--tls-cert", certFile, "--tls-key", keyFile,
            "--data", data, "--policy", policy, "--auth", "required", "--instance-name", "replica-a",
        ];
        if (mutual)
        {
            args.AddRange(["--client-ca", _certs.CaFile]);
        }
        var server = ChildProcess.Start(Artifacts.Hookline, args);
        await server.WaitForLineAsync("Hookline server: gRPC on", StartTimeout);
        return new TlsServer(server, grpc, http, data);
    }

    private async Task<string> TokenFileAsync(string data, string name, string scope)
    {
        var created = await CliRun.RunAsync(["token", "create", "--data", data, "--name", name, "--scope", scope]);
        Assert.True(created.Exit == 0, created.Stderr);
        var file = Path.Combine(_dir, name + ".token");
        await File.WriteAllTextAsync(file, created.Stdout.TrimEnd().Split('\n')[^1] + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return file;
    }

    [Fact]
    public async Task Every_command_family_reaches_a_tls_server_through_a_private_ca_and_a_sigterm_ends_the_sidecars_session()
    {
        var data = Path.Combine(_dir, "data");
        var admin = await TokenFileAsync(data, "root", "admin");
        var sidecarToken = await TokenFileAsync(data, "agent", "sidecar");
        var readToken = (await File.ReadAllTextAsync(await TokenFileAsync(data, "viewer", "read"))).Trim();
        var readEnv = new Dictionary<string, string> { ["HOOKLINE_TOKEN"] = readToken };
        await using var server = await StartServerAsync(_certs.ServerCertFile, _certs.ServerKeyFile, mutual: true);
        var ca = new[] { "--ca", _certs.CaFile };
        // One client file for the read commands: the keys are their flags.
        var clientConfig = Path.Combine(_dir, "client.yaml");
        await File.WriteAllTextAsync(clientConfig, $"server: {server.HttpUrl}\nca: {_certs.CaFile}\n");
        var session = Guid.NewGuid().ToString();
        var socket = Path.Combine(_dir, "run", "hook.sock");

        await using var sidecar = ChildProcess.Start(Artifacts.Hookline,
        [
            "sidecar", "--server", server.GrpcUrl, .. ca, "--client-cert", _certs.ClientCertFile, "--client-key", _certs.ClientKeyFile,
            "--token-file", sidecarToken, "--socket", socket, "--state-dir", Path.Combine(_dir, "state"), "--session", session,
        ]);
        await sidecar.WaitForLineAsync("HOOKLINE_SOCKET=", StartTimeout);
        if (!sidecar.SawLine("open for session"))
        {
            await sidecar.WaitForLineAsync("open for session", StartTimeout);
        }
        await using var tail = ChildProcess.Start(Artifacts.Hookline, ["tail", "--server", server.HttpUrl, .. ca, "--json"], readEnv);
        var status = await CliRun.RunAsync(["sidecar", "status", "--socket", socket]);
        // The tail may connect after the first hook ran: hooks go on until it shows one (bounded).
        HookRun hook = null!;
        var shown = false;
        for (var attempt = 0; attempt < 50 && !shown; attempt++)
        {
            hook = await HookRun.SpawnAsync(socket, "pre-tool-use", HookRun.Bash("rm -rf /tmp/x"));
            try
            {
                await tail.WaitForLineAsync("no-force-delete", TimeSpan.FromMilliseconds(200));
                shown = true;
            }
            catch (TimeoutException)
            {
            }
        }
        var events = await CliRun.RunAsync(["events", "--config", clientConfig], readEnv);
        var sessions = await CliRun.RunAsync(["sessions", "--server", server.HttpUrl, .. ca], readEnv);
        var tokens = await CliRun.RunAsync(["token", "list", "--server", server.HttpUrl, .. ca, "--token-file", admin]);
        var apply = await CliRun.RunAsync(["policy", "apply", Path.Combine(_dir, "policy.yaml"), "--server", server.HttpUrl, .. ca, "--token-file", admin]);
        var doctor = await CliRun.RunAsync(["doctor", "--server-http", server.HttpUrl, .. ca]);
        var withoutCa = await CliRun.RunAsync(["sessions", "--server", server.HttpUrl], readEnv);

        sidecar.Signal("TERM");
        var ended = await Eventually.FoundAsync(async () =>
        {
            var listed = await CliRun.RunAsync(["sessions", "--config", clientConfig, "--json"], readEnv);
            return listed.Stdout.Split('\n').FirstOrDefault(l => l.Contains(session, StringComparison.Ordinal) && l.Contains("\"ended\"", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(5), () => "the session was not ended after SIGTERM; sidecar output:\n" + sidecar.Output);

        Assert.Equal("deny", hook.PermissionDecision);
        Assert.True(shown, "tail --ca showed no decision:\n" + tail.Output);
        Assert.Contains("(replica replica-a)", status.Stdout);
        Assert.True(events.Exit == 0, events.Stderr);
        Assert.Contains("no-force-delete", events.Stdout);
        Assert.True(sessions.Exit == 0, sessions.Stderr);
        Assert.Contains(session, sessions.Stdout);
        Assert.True(tokens.Exit == 0, tokens.Stderr);
        Assert.Contains("viewer", tokens.Stdout);
        // SQLite keeps no shared policy: refused by the server (409), which the client reached over TLS.
        Assert.Contains("refused (409)", apply.Stderr);
        Assert.Contains($"{server.HttpUrl}/healthz answers", doctor.Stdout);
        Assert.Equal(2, withoutCa.Exit);
        Assert.Contains("a CA this client does not trust: give --ca FILE", withoutCa.Stderr);
        Assert.Contains("\"ended\"", ended, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_without_the_name_connected_to_is_named_with_the_names_it_carries()
    {
        var (cert, key) = _certs.IssueServer("dns-only", ["hookline.internal"], [], DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7));
        await using var server = await StartServerAsync(cert, key);

        var failed = await CliRun.RunAsync(["events", "--server", server.HttpUrl, "--ca", _certs.CaFile]);

        Assert.Equal(2, failed.Exit);
        Assert.Contains("TLS: the server's certificate is not valid for '127.0.0.1': it names DNS:hookline.internal", failed.Stderr);
        Assert.DoesNotContain("inner exception", failed.Stderr);
    }

    [Fact]
    public async Task A_server_signed_by_another_ca_is_named_with_both_cas()
    {
        await using var server = await StartServerAsync(_certs.ServerCertFile, _certs.ServerKeyFile);

        var failed = await CliRun.RunAsync(["sessions", "--server", server.HttpUrl, "--ca", _certs.OtherCaFile]);

        Assert.Equal(2, failed.Exit);
        Assert.Contains("is signed by 'CN=Hookline Test CA', a CA this client does not trust: --ca holds 'CN=Someone Else's CA'", failed.Stderr);
        Assert.DoesNotContain("inner exception", failed.Stderr);
    }

    [Fact]
    public async Task An_expired_and_a_not_yet_valid_certificate_each_say_so_with_the_date()
    {
        var (expiredCert, expiredKey) = _certs.IssueServer("expired", ["localhost"], [IPAddress.Loopback],
            DateTimeOffset.UtcNow.AddHours(-20), DateTimeOffset.UtcNow.AddHours(-1));
        var (earlyCert, earlyKey) = _certs.IssueServer("early", ["localhost"], [IPAddress.Loopback],
            DateTimeOffset.UtcNow.AddDays(1), DateTimeOffset.UtcNow.AddDays(2));
        await using var expired = await StartServerAsync(expiredCert, expiredKey, data: Path.Combine(_dir, "a"));
        await using var early = await StartServerAsync(earlyCert, earlyKey, data: Path.Combine(_dir, "b"));

        var pastEnd = await CliRun.RunAsync(["events", "--server", expired.HttpUrl, "--ca", _certs.CaFile]);
        var beforeStart = await CliRun.RunAsync(["token", "list", "--server", early.HttpUrl, "--ca", _certs.CaFile]);

        Assert.Contains("TLS: the server's certificate 'CN=expired' expired on", pastEnd.Stderr);
        Assert.Contains("TLS: the server's certificate 'CN=early' is not valid until", beforeStart.Stderr);
    }

    [Fact]
    public async Task A_missing_or_refused_client_certificate_is_named_by_the_sidecar_and_logged_by_the_server()
    {
        await using var server = await StartServerAsync(_certs.ServerCertFile, _certs.ServerKeyFile, mutual: true);
        var sidecarToken = await TokenFileAsync(server.Data, "agent", "sidecar");
        ChildProcess Sidecar(string name, params string[] extra) => ChildProcess.Start(Artifacts.Hookline,
        [
            "sidecar", "--server", server.GrpcUrl, "--ca", _certs.CaFile, "--token-file", sidecarToken,
            "--socket", Path.Combine(_dir, name, "hook.sock"), "--state-dir", Path.Combine(_dir, name), .. extra,
        ]);

        await using var without = Sidecar("without");
        var missing = await without.WaitForLineAsync("TLS:", StartTimeout);
        var missingLogged = await server.Process.WaitForLineAsync("no client certificate", StartTimeout);
        await using var stranger = Sidecar("stranger", "--client-cert", _certs.StrangerCertFile, "--client-key", _certs.StrangerKeyFile);
        var refused = await stranger.WaitForLineAsync("TLS:", StartTimeout);
        var refusedLogged = await server.Process.WaitForLineAsync("Refused the client certificate", StartTimeout);

        Assert.Contains("the server asks for a client certificate and none was given: give --client-cert FILE --client-key FILE", missing);
        Assert.Contains("Refused a TLS connection from 127.0.0.1", missingLogged);
        Assert.Contains("the server refused the client certificate 'CN=stranger'", refused);
        Assert.Contains("Refused the client certificate 'CN=stranger': issued by 'CN=Someone Else's CA', not by the --client-ca 'CN=Hookline Test CA'", refusedLogged);
    }
}
