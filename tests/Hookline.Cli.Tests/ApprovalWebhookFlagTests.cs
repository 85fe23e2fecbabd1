namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline server --approval-webhook ...</c> and the same keys in <c>--config</c>: what is refused before anything
/// listens or is stored, and why.
/// </summary>
public sealed class ApprovalWebhookFlagTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_plain_http_receiver_beyond_loopback_is_refused()
    {
        var run = await ServerAsync("--approval-webhook", "http://hooks.example.com/approvals", "--approval-webhook-secret-file", Secret("s3cret\n"));

        Assert.Equal(2, run.Exit);
        Assert.Contains("--approval-webhook http://hooks.example.com: an https:// URL (http:// only on loopback", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("/approvals", run.Stderr, StringComparison.Ordinal); // a receiver's path can be its secret
        Assert.False(Directory.Exists(_dir.File("data")), "nothing was stored");
    }

    [Theory]
    [InlineData("s3cret", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "chmod 600 it")]
    [InlineData(" \n", UnixFileMode.UserRead | UnixFileMode.UserWrite, "the file is empty")]
    public async Task A_secret_file_open_to_others_or_empty_is_refused(string content, UnixFileMode mode, string why)
    {
        var run = await ServerAsync("--approval-webhook", "https://hooks.example.com/approvals", "--approval-webhook-secret-file", Secret(content, mode));

        Assert.Equal(2, run.Exit);
        Assert.Contains("--approval-webhook-secret-file " + _dir.File("secret"), run.Stderr, StringComparison.Ordinal);
        Assert.Contains(why, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_config_file_takes_the_same_keys_and_a_public_url_must_be_http_or_https()
    {
        var config = _dir.File("server.yaml");
        await File.WriteAllTextAsync(config, $"""
            approval-webhook: http://127.0.0.1:9/hook
            approval-webhook-secret-file: {Secret("s3cret")}
            approval-webhook-format: slack
            public-url: ftp://hookline.example.com
            """);

        var run = await ServerAsync("--config", config);

        Assert.Equal(2, run.Exit);
        Assert.Contains("--public-url ftp://hookline.example.com/: an absolute http:// or https:// URL", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_webhook_needs_its_secret_and_the_other_flags_need_the_webhook()
    {
        var noSecret = await ServerAsync("--approval-webhook", "https://hooks.example.com/approvals");
        var noWebhook = await ServerAsync("--public-url", "https://hookline.example.com");

        Assert.Equal(2, noSecret.Exit);
        Assert.Contains("--approval-webhook needs --approval-webhook-secret-file FILE", noSecret.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, noWebhook.Exit);
        Assert.Contains("--public-url needs --approval-webhook URL", noWebhook.Stderr, StringComparison.Ordinal);
    }

    private Task<CliResult> ServerAsync(params string[] args) => InProcessCli.RunAsync(
        ["server", "--listen", "http://127.0.0.1:0", "--http-listen", "http://127.0.0.1:0", "--data", _dir.File("data"), .. args]);

    private string Secret(string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = _dir.File("secret");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
