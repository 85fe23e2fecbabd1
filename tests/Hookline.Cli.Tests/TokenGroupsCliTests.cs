using System.Text.Json;
using Hookline.Server;

namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline token create --scope approve --group G</c> (repeatable), on a data directory and through a running
/// server's <c>/api/tokens</c>: the groups are stored with the token, listed in text and JSON, and bad names refused.
/// </summary>
public sealed class TokenGroupsCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Groups_round_trip_through_create_and_list_on_a_data_directory()
    {
        var data = _dir.File("data");

        var created = await InProcessCli.RunAsync("token", "create", "--data", data, "--name", "sre-bob", "--scope", "approve", "--user", "bob",
            "--group", "sre", "--group", "on-call");
        var text = await InProcessCli.RunAsync("token", "list", "--data", data);
        var json = await InProcessCli.RunAsync("token", "list", "--data", data, "--json");

        Assert.True(created.Exit == 0, created.Stderr);
        Assert.StartsWith("created tok_", created.Stdout, StringComparison.Ordinal);
        Assert.Contains("'sre-bob' scope approve user bob groups sre,on-call;", created.Stdout, StringComparison.Ordinal);
        Assert.Contains(" sre,on-call", Assert.Single(text.Stdout.Split('\n'), l => l.Contains("sre-bob", StringComparison.Ordinal)), StringComparison.Ordinal);
        var info = JsonSerializer.Deserialize(json.Stdout, TokenJsonContext.Default.TokenInfo)!;
        Assert.Equal(("approve", "bob"), (info.Scope, info.User));
        Assert.Equal(["sre", "on-call"], info.Groups);
        Assert.Contains("\"groups\":[\"sre\",\"on-call\"]", json.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sre,admins")]
    [InlineData("esc\u001b[31m")]
    [InlineData(" sre")]
    public async Task A_bad_group_name_is_refused_and_no_token_is_made(string group)
    {
        var data = _dir.File("data");

        var refused = await InProcessCli.RunAsync("token", "create", "--data", data, "--name", "x", "--scope", "approve", "--group", group);
        var list = await InProcessCli.RunAsync("token", "list", "--data", data, "--json");

        Assert.Equal(2, refused.Exit);
        Assert.Contains("hookline token create: --group: a group name is 1 to 64 characters", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("", list.Stdout);
    }

    [Fact]
    public async Task Groups_round_trip_through_a_running_servers_token_endpoint_which_refuses_bad_ones()
    {
        await using var server = await LocalServer.StartAsync(_dir, o => o.Auth = ServerAuthMode.Required);
        var admin = LocalServer.TokenFile(_dir, "admin", TokenScope.Admin);
        string[] remote = ["--server", server.HttpAddress!, "--token-file", admin];
        var tooMany = Enumerable.Range(0, 33).SelectMany(i => new[] { "--group", "g" + i }).ToArray();

        var created = await InProcessCli.RunAsync(["token", "create", "--name", "sre-ana", "--scope", "approve", "--group", "sre", .. remote]);
        var refused = await InProcessCli.RunAsync(["token", "create", "--name", "many", "--scope", "approve", .. tooMany, .. remote]);
        var listed = await InProcessCli.RunAsync(["token", "list", "--json", .. remote]);

        Assert.True(created.Exit == 0, created.Stderr);
        Assert.Contains("scope approve groups sre;", created.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("400", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("at most 32 groups", refused.Stderr, StringComparison.Ordinal);
        var tokens = listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize(l, TokenJsonContext.Default.TokenInfo)!).ToList();
        Assert.Equal(["sre"], tokens.Single(t => t.Name == "sre-ana").Groups);
        Assert.DoesNotContain(tokens, t => t.Name == "many");
    }
}
