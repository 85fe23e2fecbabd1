using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>Real Kestrel with TLS and mutual TLS on loopback, certificates made at run time.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestCertificates _certs;

    public TlsTests() => _certs = TestCertificates.Create(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private Task<TestServer> StartAsync(bool mutual) => TestServer.StartAsync(Policies.Standard, o =>
    {
        o.TlsCertificateFile = _certs.ServerCertFile;
        o.TlsKeyFile = _certs.ServerKeyFile;
        o.ClientCaFile = mutual ? _certs.CaFile : null;
    });

    /// <summary>A gRPC client that trusts only <paramref name="ca"/>, optionally with a client certificate.</summary>
    private static (GrpcChannel, AgentService.AgentServiceClient) Client(string address, X509Certificate2 ca, string? certFile = null, string? keyFile = null)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ca);
        var ssl = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        if (certFile is not null)
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
        }
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { SslOptions = ssl } });
        return (channel, new AgentService.AgentServiceClient(channel));
    }

    private static Task<CreateSessionResponse> CreateSession(AgentService.AgentServiceClient client)
        => client.CreateSessionAsync(new CreateSessionRequest { SessionId = Guid.NewGuid().ToString(), Agent = "claude" },
            deadline: DateTime.UtcNow + Bound.Hang).ResponseAsync;

    [Fact]
    public async Task A_client_that_trusts_the_private_ca_talks_http2_over_tls()
    {
        await using var server = await StartAsync(mutual: false);
        var (channel, client) = Client(server.Server.GrpcAddress, _certs.Ca);
        using var _ = channel;

        var created = await CreateSession(client);
        var decision = await client.DecideOnceAsync(Events.Bash("rm -rf /"));

        Assert.StartsWith("https://127.0.0.1:", server.Server.GrpcAddress);
        Assert.Equal(SessionStatus.Active, created.Status);
        Assert.Equal(Verdict.Deny, decision.Verdict);
    }

    [Fact]
    public async Task A_client_that_trusts_another_ca_refuses_the_server()
    {
        await using var server = await StartAsync(mutual: false);
        var (channel, client) = Client(server.Server.GrpcAddress, _certs.OtherCa);
        using var _ = channel;

        var refused = await Assert.ThrowsAsync<RpcException>(() => CreateSession(client));

        // The client's own check fails the handshake: nothing was sent.
        Assert.Contains(Chain(refused.Status.DebugException), e => e is System.Security.Authentication.AuthenticationException);
    }

    private static IEnumerable<Exception> Chain(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            yield return exception;
        }
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_client_without_a_certificate()
    {
        await using var server = await StartAsync(mutual: true);
        var (channel, client) = Client(server.Server.GrpcAddress, _certs.Ca);
        using var _ = channel;

        var refused = await Assert.ThrowsAsync<RpcException>(() => CreateSession(client));

        // TLS 1.3 reports the missing certificate after the client's handshake completes: the refusal surfaces either
        // as a failed connection (Unavailable) or as a reset of the first request (Internal), depending on timing.
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Equal(0L, await server.ScalarAsync<long>("SELECT COUNT(*) FROM sessions"));
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_certificate_from_another_ca()
    {
        await using var server = await StartAsync(mutual: true);
        var (channel, client) = Client(server.Server.GrpcAddress, _certs.Ca, _certs.StrangerCertFile, _certs.StrangerKeyFile);
        using var _ = channel;

        var refused = await Assert.ThrowsAsync<RpcException>(() => CreateSession(client));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
    }

    [Fact]
    public async Task Mutual_tls_accepts_a_client_certificate_signed_by_the_client_ca()
    {
        await using var server = await StartAsync(mutual: true);
        var (channel, client) = Client(server.Server.GrpcAddress, _certs.Ca, _certs.ClientCertFile, _certs.ClientKeyFile);
        using var _ = channel;

        var created = await CreateSession(client);

        Assert.Equal(SessionStatus.Active, created.Status);
    }

    [Fact]
    public async Task Half_a_tls_configuration_is_refused_with_a_clear_error()
    {
        var keyless = await Assert.ThrowsAsync<ArgumentException>(() => TestServer.StartAsync(Policies.Standard, o => o.TlsCertificateFile = _certs.ServerCertFile));
        var caOnly = await Assert.ThrowsAsync<ArgumentException>(() => TestServer.StartAsync(Policies.Standard, o => o.ClientCaFile = _certs.CaFile));
        var httpsWithout = await Assert.ThrowsAsync<ArgumentException>(() => TestServer.StartAsync(Policies.Standard, o => o.Listen = "https://127.0.0.1:0"));

        Assert.Contains("--tls-cert and --tls-key go together", keyless.Message);
        Assert.Contains("--client-ca needs --tls-cert", caOnly.Message);
        Assert.Contains("https:// address needs --tls-cert", httpsWithout.Message);
    }
}
