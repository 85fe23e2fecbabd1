using System.Net.Http.Headers;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Grpc.Core.Interceptors;
using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hookline.Server.Tests;

/// <summary>
/// JWT bearer tokens from an OpenID Connect provider, on a real server: keys and JWKS made here at run time; signature,
/// issuer, audience and lifetime checked; claims become user, org and scopes.
/// </summary>
public sealed class OidcTests : IAsyncLifetime
{
    private const string Issuer = "https://login.example.test/";
    private const string Audience = "hookline";
    private const string Policy = """
        version: 1
        default: allow
        rules:
          - id: contractors-no-kubectl
            effect: deny
            match: "Bash(kubectl *)"
            when: {field: org, one_of: [contractors]}
        """;

    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA _stranger = RSA.Create(2048);
    private readonly FakeApprovalDesk _desk = new(TimeProvider.System);
    private TestServer _server = null!;

    private RsaSecurityKey RsaKey => new(_rsa) { KeyId = "rsa-1" };

    private ECDsaSecurityKey EcKey => new(_ec) { KeyId = "ec-1" };

    public async Task InitializeAsync()
    {
        var jwks = _dir.File("jwks.json");
        await File.WriteAllTextAsync(jwks, Jwks(_rsa, _ec));
        _server = await TestServer.StartAsync(_dir, Policy, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.HttpListen = "http://127.0.0.1:0";
            o.TimeProvider = _time;
            o.Oidc = new OidcOptions { Issuer = Issuer, Audience = Audience, Jwks = jwks };
            o.ApprovalDesk = _desk;
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
        _rsa.Dispose();
        _ec.Dispose();
        _stranger.Dispose();
    }

    /// <summary>A JWKS as a provider publishes it: public halves only.</summary>
    private static string Jwks(RSA rsa, ECDsa ec)
    {
        var r = rsa.ExportParameters(includePrivateParameters: false);
        var e = ec.ExportParameters(includePrivateParameters: false);
        return $$"""
            {"keys": [
              {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "rsa-1", "n": "{{Base64UrlEncoder.Encode(r.Modulus)}}", "e": "{{Base64UrlEncoder.Encode(r.Exponent)}}"},
              {"kty": "EC", "use": "sig", "alg": "ES256", "kid": "ec-1", "crv": "P-256", "x": "{{Base64UrlEncoder.Encode(e.Q.X)}}", "y": "{{Base64UrlEncoder.Encode(e.Q.Y)}}"}
            ]}
            """;
    }

    private string Jwt(string scope = "hookline:sidecar", string? email = "ana@example.test", string? org = "acme", string issuer = Issuer,
        string audience = Audience, TimeSpan? lifetime = null, SecurityKey? key = null, string algorithm = SecurityAlgorithms.RsaSha256,
        object? groups = null)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = "user-123", ["scope"] = scope };
        if (groups is not null)
        {
            claims["groups"] = groups;
        }
        if (email is not null)
        {
            claims["email"] = email;
        }
        if (org is not null)
        {
            claims["org"] = org;
        }
        var life = lifetime ?? TimeSpan.FromMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = life < TimeSpan.Zero ? now + life - TimeSpan.FromMinutes(5) : now,
            NotBefore = life < TimeSpan.Zero ? now + life - TimeSpan.FromMinutes(5) : now,
            Expires = now + life,
            SigningCredentials = new SigningCredentials(key ?? RsaKey, algorithm),
        });
    }

    private AgentService.AgentServiceClient ClientWith(string token)
        => new(_server.Channel.CreateCallInvoker().Intercept(m =>
        {
            m.Add("authorization", "Bearer " + token);
            return m;
        }));

    private static CreateSessionRequest NewSession() => new() { SessionId = Guid.NewGuid().ToString(), Agent = "claude", User = "claimed" };

    [Fact]
    public async Task A_valid_jwt_opens_a_session_whose_user_and_org_come_from_its_claims()
    {
        var rsa = await ClientWith(Jwt()).CreateSessionAsync(NewSession());
        var ec = await ClientWith(Jwt(key: EcKey, algorithm: SecurityAlgorithms.EcdsaSha256, email: null, org: "beta")).CreateSessionAsync(NewSession());

        Assert.Equal(("ana@example.test", "acme", true), (rsa.User, rsa.Org, rsa.Authenticated));
        // Without an email claim the user is the subject.
        Assert.Equal(("user-123", "beta", true), (ec.User, ec.Org, ec.Authenticated));
    }

    [Fact]
    public async Task The_org_claim_decides_a_policy_condition_on_the_stream()
    {
        async Task<Verdict> DecideAs(string org)
        {
            await using var stream = new StreamClient(ClientWith(Jwt(org: org)).ProcessHookEvent());
            await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString(), SidecarVersion = "test" } });
            await stream.NextSnapshotAsync();
            return (await stream.DecideAsync(Events.Bash("kubectl delete pod web-1"))).Verdict;
        }

        Assert.Equal(Verdict.Deny, await DecideAs("contractors"));
        Assert.Equal(Verdict.Allow, await DecideAs("platform"));
    }

    public static TheoryData<string> Invalid => new() { "issuer", "audience", "expired", "not-yet-valid", "unknown-key", "tampered", "unsigned", "hmac", "garbage" };

    private string InvalidJwt(string kind) => kind switch
    {
        "issuer" => Jwt(issuer: "https://evil.example.test/"),
        "audience" => Jwt(audience: "someone-else"),
        "expired" => Jwt(lifetime: TimeSpan.FromMinutes(-5)),
        "not-yet-valid" => NotYetValid(),
        "unknown-key" => Jwt(key: new RsaSecurityKey(_stranger) { KeyId = "rsa-1" }),
        "tampered" => Tampered(Jwt(org: "contractors")),
        "unsigned" => Unsigned(),
        // The RSA modulus as an HMAC secret: an "alg confusion" forgery; only asymmetric algorithms are accepted.
        "hmac" => Jwt(key: new SymmetricSecurityKey(_rsa.ExportParameters(false).Modulus) { KeyId = "rsa-1" }, algorithm: SecurityAlgorithms.HmacSha256),
        _ => "a.b.c",
    };

    private string NotYetValid()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer, Audience = Audience, Subject = new ClaimsIdentity([new Claim("sub", "x"), new Claim("scope", "hookline:sidecar")]),
            IssuedAt = now, NotBefore = now.AddHours(1), Expires = now.AddHours(2), SigningCredentials = new SigningCredentials(RsaKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The payload swapped for another org's, the signature kept.</summary>
    private static string Tampered(string jwt)
    {
        var parts = jwt.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"contractors\"", "\"platform\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    private string Unsigned()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        return Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." +
            Base64UrlEncoder.Encode($$"""{"iss":"{{Issuer}}","aud":"{{Audience}}","sub":"x","scope":"hookline:sidecar","iat":{{now}},"exp":{{now + 600}}}""") + ".";
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task A_jwt_failing_any_check_is_unauthenticated_with_no_detail(string kind)
    {
        var client = ClientWith(InvalidJwt(kind));

        var unary = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(NewSession()).ResponseAsync);
        using var call = client.ProcessHookEvent();
        var stream = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext().WaitAsync(Bound.Hang));

        Assert.Equal(StatusCode.Unauthenticated, unary.StatusCode);
        Assert.Equal(Authenticator.UnauthenticatedDetail, unary.Status.Detail);
        Assert.Equal(StatusCode.Unauthenticated, stream.StatusCode);
        Assert.Equal(Authenticator.UnauthenticatedDetail, stream.Status.Detail);
    }

    [Fact]
    public async Task Scopes_come_from_the_scope_claim()
    {
        var reader = Jwt(scope: "openid hookline:read");
        var none = Jwt(scope: "openid profile");
        using var http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress! + "/"), Timeout = Bound.Hang };

        var readerStream = await Assert.ThrowsAsync<RpcException>(() => ClientWith(reader).CreateSessionAsync(NewSession()).ResponseAsync);
        var noneStream = await Assert.ThrowsAsync<RpcException>(() => ClientWith(none).CreateSessionAsync(NewSession()).ResponseAsync);
        using var metrics = new HttpRequestMessage(HttpMethod.Get, "metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", reader) } };
        using var tokens = new HttpRequestMessage(HttpMethod.Get, "api/tokens") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", reader) } };
        using var admin = new HttpRequestMessage(HttpMethod.Get, "api/tokens") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Jwt(scope: "hookline:admin")) } };

        Assert.Equal(StatusCode.PermissionDenied, readerStream.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, noneStream.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(metrics)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(tokens)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(admin)).StatusCode);
    }

    [Fact]
    public async Task A_jwt_reader_with_an_org_claim_reads_only_that_orgs_events_and_one_without_reads_every_org()
    {
        async Task<string> StoreAs(string org)
        {
            var session = Guid.NewGuid().ToString();
            await using var stream = new StreamClient(ClientWith(Jwt(org: org)).ProcessHookEvent());
            await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = session, SidecarVersion = "test" } });
            await stream.NextSnapshotAsync();
            var hookEvent = Events.Bash("git status", session);
            await stream.DecideAsync(hookEvent);
            await stream.ReadUntilStoredAsync(hookEvent.EventId);
            return hookEvent.EventId;
        }
        var platform = await StoreAs("platform");
        var contractors = await StoreAs("contractors");
        using var http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress! + "/"), Timeout = Bound.Hang };
        async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? org)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path)
            {
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Jwt(scope: "hookline:read", org: org)) },
            };
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var (_, platformList) = await GetAsync("api/events", "platform");
        Assert.Contains(platform, platformList);
        Assert.DoesNotContain(contractors, platformList);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("api/events/" + contractors, "platform")).Status);
        var (_, everyOrg) = await GetAsync("api/events", null);
        Assert.Contains(platform, everyOrg);
        Assert.Contains(contractors, everyOrg);
    }

    [Fact]
    public async Task A_jwt_with_hookline_approve_answers_with_the_groups_of_its_groups_claim_and_admin_alone_cannot()
    {
        var byArray = _desk.Add("acme", "alice", ["group:sre"]);
        var byString = _desk.Add("acme", "alice", ["group:sre"]);
        var otherOrg = _desk.Add("globex", "alice", ["group:sre"]);
        using var http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress! + "/"), Timeout = Bound.Hang };
        async Task<HttpStatusCode> ApproveAsync(string id, string jwt)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/approvals/{id}/approve")
            {
                Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", jwt) },
            };
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        var admin = await ApproveAsync(byArray.Id, Jwt(scope: "hookline:admin hookline:read", groups: new[] { "sre" }));
        var noGroup = await ApproveAsync(byArray.Id, Jwt(scope: "hookline:approve", groups: new[] { "dev" }));
        var tooMany = await ApproveAsync(byArray.Id, Jwt(scope: "hookline:approve", groups: Enumerable.Range(0, 257).Select(i => "g" + i).ToArray()));
        var array = await ApproveAsync(byArray.Id, Jwt(scope: "openid hookline:approve", groups: new[] { "dev", "sre" }));
        var single = await ApproveAsync(byString.Id, Jwt(scope: "hookline:approve", groups: "sre"));
        var foreign = await ApproveAsync(otherOrg.Id, Jwt(scope: "hookline:approve", groups: "sre"));

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized), (admin, noGroup, tooMany));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound), (array, single, foreign));
        var approver = _desk.Answers.Last(a => a.Id == byArray.Id).Approver;
        Assert.Equal(("ana@example.test", "acme", true), (approver.User, approver.Org, approver.Authenticated));
        Assert.Equal(["dev", "sre"], approver.Groups.Order());
        Assert.Equal(["sre"], _desk.Answers.Single(a => a.Id == byString.Id).Approver.Groups);
    }

    [Fact]
    public async Task A_jwt_with_hookline_approve_signs_in_to_the_dashboard_and_answers_there_a_read_jwt_only_looks()
    {
        var approval = _desk.Add("acme", "alice", ["group:sre"]);
        using var browser = DashboardBrowser.Open(_server.Server.HttpAddress!);
        var approver = await DashboardBrowser.SignInAsync(browser, Jwt(scope: "openid hookline:approve", groups: new[] { "sre" }));
        var reader = await DashboardBrowser.SignInAsync(browser, Jwt(scope: "hookline:read", email: "rae@example.test", groups: new[] { "sre" }));

        using var events = await DashboardBrowser.GetAsync(browser, "api/events", approver.Cookie);
        var byReader = await DashboardBrowser.AnswerAsAsync(browser, reader, approval.Id, "approve");
        var answered = await DashboardBrowser.AnswerAsAsync(browser, approver, approval.Id, "approve");

        Assert.Equal(("/ui/approvals", "/ui"), (approver.Location, reader.Location));
        Assert.Equal(HttpStatusCode.Forbidden, events.StatusCode);
        Assert.Equal((HttpStatusCode.Forbidden, "not_allowed"), (byReader.Status, byReader.Outcome));
        Assert.Equal((HttpStatusCode.OK, "answered"), (answered.Status, answered.Outcome));
        var taken = Assert.Single(_desk.Taken);
        Assert.Equal(("ana@example.test", "acme", true, ApprovalProtocol.ChannelDashboard),
            (taken.Approver.User, taken.Approver.Org, taken.Approver.Authenticated, taken.Channel));
        Assert.Equal(["sre"], taken.Approver.Groups);
    }

    [Fact]
    public async Task Hookline_tokens_still_work_beside_jwts()
    {
        var token = Tokens.Create(_dir.File("data"), "laptop", TokenScope.Sidecar, "bob", "acme").Token;

        var created = await ClientWith(token).CreateSessionAsync(NewSession());

        Assert.Equal(("bob", "acme"), (created.User, created.Org));
    }

    [Fact]
    public async Task A_stream_opened_with_a_jwt_closes_when_the_jwt_expires()
    {
        await using var stream = new StreamClient(ClientWith(Jwt(lifetime: TimeSpan.FromMinutes(2))).ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest { Open = new Open { SessionId = Guid.NewGuid().ToString(), SidecarVersion = "test" } });
        await stream.NextSnapshotAsync();
        await stream.RoundTripAsync();

        _time.Advance(TimeSpan.FromMinutes(1));
        await stream.RoundTripAsync();
        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));

        var reason = await stream.ClosedAsync().WaitAsync(Bound.Hang);
        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(reason).StatusCode);
    }

    [Fact]
    public async Task Keys_may_come_from_a_jwks_url_and_a_server_with_unusable_keys_does_not_start()
    {
        var jwks = Jwks(_rsa, _ec);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var provider = builder.Build();
        provider.MapGet("/jwks", context => context.Response.WriteAsync(jwks));
        await provider.StartAsync();
        var url = provider.Urls.Single() + "/jwks";
        await File.WriteAllTextAsync(_dir.File("broken.json"), "{\"keys\": [{\"kty\": \"RSA\"}]}");

        await using var fromUrl = await TestServer.StartAsync(Policy, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.Oidc = new OidcOptions { Issuer = Issuer, Audience = Audience, Jwks = url };
        });
        var created = await new AgentService.AgentServiceClient(fromUrl.Channel.CreateCallInvoker().Intercept(m =>
        {
            m.Add("authorization", "Bearer " + Jwt());
            return m;
        })).CreateSessionAsync(NewSession());
        var broken = await Assert.ThrowsAsync<ArgumentException>(() => TestServer.StartAsync(Policy, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.Oidc = new OidcOptions { Issuer = Issuer, Audience = Audience, Jwks = _dir.File("broken.json") };
        }));
        var partial = await Assert.ThrowsAsync<ArgumentException>(() => TestServer.StartAsync(Policy, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.Oidc = new OidcOptions { Issuer = Issuer, Audience = "", Jwks = url };
        }));

        Assert.Equal("ana@example.test", created.User);
        Assert.Contains("no usable signing key", broken.Message);
        Assert.Contains("give all three", partial.Message);
    }
}
