namespace Hookline.EndToEnd.Tests;

/// <summary><c>--token-file</c> on a real server with tokens required: the secret stays off the command line; <c>--token</c> still works but warns.</summary>
public sealed class TokenFileCliTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-tf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string PsWarning = "--token shows the secret to every local user";

    [Fact]
    public async Task Token_file_authenticates_and_warns_only_when_others_may_read_it_while_token_warns_about_ps()
    {
        var data = Path.Combine(_dir, "data");
        var admin = (await CliRun.RunAsync(["token", "create", "--data", data, "--name", "root", "--scope", "admin"])).Stdout.TrimEnd().Split('\n')[^1];
        var httpUrl = $"http://127.0.0.1:{Ports.Free()}";
        await using var server = ChildProcess.Start(Artifacts.Hookline,
            ["server", "--listen", "http://127.0.0.1:0", "--http-listen", httpUrl, "--data", data, "--auth", "required"]);
        await server.WaitForLineAsync("Hookline server: gRPC on", StartTimeout);
        var privateFile = Path.Combine(_dir, "admin.token");
        await File.WriteAllTextAsync(privateFile, admin + "\n");
        File.SetUnixFileMode(privateFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var sharedFile = Path.Combine(_dir, "shared.token");
        await File.WriteAllTextAsync(sharedFile, admin);
        File.SetUnixFileMode(sharedFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var fromFile = await CliRun.RunAsync(["token", "list", "--server", httpUrl, "--token-file", privateFile]);
        var fromSharedFile = await CliRun.RunAsync(["token", "list", "--server", httpUrl, "--token-file", sharedFile]);
        var fromFlag = await CliRun.RunAsync(["token", "list", "--server", httpUrl, "--token", admin]);
        var missingFile = await CliRun.RunAsync(["token", "list", "--server", httpUrl, "--token-file", Path.Combine(_dir, "none")]);
        var none = await CliRun.RunAsync(["token", "list", "--server", httpUrl]);

        Assert.True(fromFile.Exit == 0, fromFile.Stderr);
        Assert.Contains("root", fromFile.Stdout);
        Assert.Equal("", fromFile.Stderr);
        Assert.Equal(0, fromSharedFile.Exit);
        Assert.Contains("is readable by other users (mode 644); chmod 600 it", fromSharedFile.Stderr);
        Assert.Equal(0, fromFlag.Exit);
        Assert.Contains(PsWarning, fromFlag.Stderr);
        Assert.NotEqual(0, missingFile.Exit);
        Assert.Contains("--token-file " + Path.Combine(_dir, "none"), missingFile.Stderr);
        Assert.Contains("401", none.Stderr);
    }

    [Fact]
    public async Task A_token_file_without_an_end_is_refused_after_a_bounded_read()
    {
        // /dev/zero has no length and never ends: read to the end, the CLI would fill memory and never return.
        var endless = await CliRun.RunAsync(["token", "list", "--server", "http://127.0.0.1:9", "--token-file", "/dev/zero"]);

        Assert.NotEqual(0, endless.Exit);
        Assert.Contains("--token-file /dev/zero: more than 16384 bytes is not a token", endless.Stderr);
    }
}
