using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Hookline.Server.Tests;

/// <summary>
/// Admin actions over HTTP record the token that authenticated them, on a real server with --auth required; what the
/// client says about itself is kept only as "claimed".
/// </summary>
public abstract class AttributionTests : BackendSuite
{
    private async Task<(TestServer Server, CreatedToken Admin, HttpClient Http)> StartWithAdminAsync()
    {
        var server = await StartAsync(o => o.Auth = ServerAuthMode.Required);
        var location = server.Database is null
            ? new AuditLocation(Path.GetDirectoryName(server.Server.DatabasePath)!)
            : new AuditLocation("", server.Database.ConnectionString);
        var admin = Tokens.Create(location, "ops-" + Guid.NewGuid().ToString("N")[..6], TokenScope.Admin, "alice", "acme");
        var http = new HttpClient { BaseAddress = new Uri(server.Server.HttpAddress! + "/"), Timeout = Bound.Hang };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.Token);
        return (server, admin, http);
    }

    private static string ByToken(CreatedToken admin) => $"token {admin.Info.Id} (name {admin.Info.Name}, user alice, org acme)";

    [SkippableFact]
    public async Task Token_create_and_revoke_record_the_admin_token_that_did_them()
    {
        var (server, admin, http) = await StartWithAdminAsync();
        using var _ = http;

        using var created = await http.PostAsync("api/tokens", new StringContent(
            """{"name":"ci","scope":"sidecar","user":"ci-bot"}""", Encoding.UTF8, "application/json"));
        using var revoked = await http.DeleteAsync("api/tokens/ci");
        var listed = JsonSerializer.Deserialize(await http.GetStringAsync("api/tokens"), TokenJsonContext.Default.ListTokenInfo)!;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var ci = Assert.Single(listed, t => t.Name == "ci");
        Assert.Equal(ByToken(admin), ci.CreatedBy);
        Assert.Equal(ByToken(admin), ci.RevokedBy);
        Assert.Equal(ByToken(admin) + "|" + ByToken(admin), await server.ScalarAsync<string>(
            "SELECT created_by || '|' || revoked_by FROM tokens WHERE name = 'ci'"));
        // The admin token itself was made with the local command, which says so.
        Assert.StartsWith("local command (os user ", Assert.Single(listed, t => t.Id == admin.Info.Id).CreatedBy);
    }

    [SkippableFact]
    public async Task Policy_apply_records_the_admin_token_and_keeps_the_client_name_as_a_claim()
    {
        var (server, admin, http) = await StartWithAdminAsync();
        using var _ = http;
        Skip.If(server.Database is null, "policy apply needs a shared (PostgreSQL) policy store; SQLite servers read their --policy file");

        using var request = new HttpRequestMessage(HttpMethod.Post, HooklineServer.PolicyApplyPath) { Content = new StringContent(Policies.Edited) };
        request.Headers.Add("x-hookline-client-user", "mallory");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var epoch = (long)server.Server.PolicyEpoch;
        var view = JsonSerializer.Deserialize(await http.GetStringAsync("api/policy"), AuditJson.Default.PolicyView)!;
        var page = await http.GetStringAsync("ui/policy");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = ByToken(admin) + "; claimed: mallory";
        Assert.Equal($"epoch {epoch} by {expected}\n", body);
        Assert.Equal(expected, await server.ScalarAsync<string>("SELECT applied_by FROM policy_epochs WHERE epoch = @e", ("@e", epoch)));
        Assert.Equal(expected, view.AppliedBy);
        Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(expected), page);
    }
}

public sealed class SqliteAttributionTests : AttributionTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresAttributionTests : AttributionTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
