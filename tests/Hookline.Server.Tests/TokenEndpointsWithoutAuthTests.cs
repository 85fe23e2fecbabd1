using System.Net;
using System.Text;

namespace Hookline.Server.Tests;

/// <summary>
/// With authentication off anyone who reaches the HTTP port would be admin, so token administration over HTTP is refused
/// outright (real Kestrel): no minting a token that outlives the switch to auth on, no listing who holds which token,
/// no revoking the real ones. Each refusal says to use the CLI against the database.
/// </summary>
public sealed class TokenEndpointsWithoutAuthTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_dir, Policies.Standard, o => o.HttpListen = "http://127.0.0.1:0");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task List_create_and_revoke_answer_403_with_the_way_to_do_it_and_change_nothing()
    {
        var existing = Tokens.Create(_dir.File("data"), "laptop-1", TokenScope.Admin, null, null);
        using var http = new HttpClient { BaseAddress = new Uri(_server.Server.HttpAddress!.TrimEnd('/') + "/"), Timeout = Bound.Hang };
        // As hookline token --server sends it: past the browser guards, to the endpoints themselves.
        HooklineHttp.MarkAsClient(http.DefaultRequestHeaders);

        using var list = await http.GetAsync("api/tokens");
        using var create = await http.PostAsync("api/tokens", new StringContent("""{"name":"minted","scope":"admin"}""", Encoding.UTF8, "application/json"));
        using var revokeByName = await http.DeleteAsync("api/tokens/laptop-1");
        using var revokeById = await http.DeleteAsync("api/tokens/" + existing.Info.Id);

        Assert.False(_server.Server.AuthRequired);
        foreach (var refused in new[] { list, create, revokeByName, revokeById })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Contains("runs without authentication", body);
            Assert.Contains("--data", body);
            Assert.DoesNotContain("laptop-1", body);
        }
        var stored = Assert.Single(Tokens.List(_dir.File("data")));
        Assert.Equal(("laptop-1", null), (stored.Name, stored.RevokedAt));
    }
}
