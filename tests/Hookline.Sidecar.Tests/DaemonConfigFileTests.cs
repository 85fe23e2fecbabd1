using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The per-user sidecar's configuration names the server every hook's event goes to: it is trusted only as a regular
/// file of this user in a directory of this user, neither open to anyone else (0600, 0700); and the probe doctor runs reaches a
/// server as the sidecar does, telling a server that answers from one that refuses the token or is not there.
/// </summary>
public sealed class DaemonConfigFileTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Config(UnixFileMode directoryMode, UnixFileMode fileMode)
    {
        var directory = Directory.CreateDirectory(_dir.File("hookline"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var file = Path.Combine(directory, DaemonConfigFile.FileName);
        File.WriteAllText(file, "server: http://127.0.0.1:7420\n");
        File.SetUnixFileMode(file, fileMode);
        File.SetUnixFileMode(directory, directoryMode);
        return file;
    }

    [Fact]
    public void A_0600_file_in_a_0700_directory_is_trusted()
    {
        Assert.Null(DaemonConfigFile.Problem(Config((UnixFileMode)0b111_000_000, Private)));
    }

    [Fact]
    public void A_file_or_directory_as_git_checks_it_out_0644_or_0755_is_not_and_the_error_says_how_to_fix_it()
    {
        var readable = Config((UnixFileMode)0b111_000_000, (UnixFileMode)0b110_100_100);
        Assert.Equal($"{readable} has mode 644: group or others may access it; chmod 600 {readable}", DaemonConfigFile.Problem(readable));

        var inReadableDirectory = Config((UnixFileMode)0b111_101_101, Private);
        var directory = Path.GetDirectoryName(inReadableDirectory);
        Assert.Equal($"{directory} has mode 755: group or others may access it; chmod 700 {directory}", DaemonConfigFile.Problem(inReadableDirectory));
    }

    [Fact]
    public void A_file_or_directory_group_or_others_may_write_is_not()
    {
        var groupWritable = Config((UnixFileMode)0b111_000_000, (UnixFileMode)0b110_110_000);
        Assert.Equal($"{groupWritable} has mode 660: group or others may access it; chmod 600 {groupWritable}", DaemonConfigFile.Problem(groupWritable));

        var inOpenDirectory = Config((UnixFileMode)0b111_111_111, Private);
        Assert.Equal($"{Path.GetDirectoryName(inOpenDirectory)} has mode 777: group or others may access it; chmod 700 {Path.GetDirectoryName(inOpenDirectory)}",
            DaemonConfigFile.Problem(inOpenDirectory));
    }

    [Fact]
    public void A_symlink_in_its_place_is_never_followed()
    {
        var target = _dir.File("elsewhere.yaml");
        File.WriteAllText(target, "server: http://127.0.0.1:9\n");
        File.SetUnixFileMode(target, Private);
        var file = Config((UnixFileMode)0b111_000_000, Private);
        File.Delete(file);
        File.CreateSymbolicLink(file, target);

        Assert.Equal($"{file} is not a regular file (a symlink is never followed)", DaemonConfigFile.Problem(file));
    }

    [Fact]
    public async Task The_probe_tells_a_server_that_answers_from_one_that_refuses_the_token_or_is_not_there()
    {
        var policy = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, "version: 1\ndefault: allow\n");
        await using var server = await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = policy,
            DataDirectory = _dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            Auth = ServerAuthMode.Required,
        });
        var token = Tokens.Create(_dir.File("data"), "laptop", TokenScope.Sidecar, "alice", "acme").Token;
        Task<string?> Probe(string url, string? withToken) =>
            HooklineDaemon.ProbeServerAsync(new SidecarOptions { ServerUrls = [url], Token = withToken }, TimeSpan.FromSeconds(10));

        var answers = await Probe(server.GrpcAddress, token);
        var refused = await Probe(server.GrpcAddress, "not-a-token");
        var absent = await Probe($"http://127.0.0.1:{Ports.Free()}", token);

        Assert.Null(answers);
        Assert.StartsWith($"{server.GrpcAddress} refuses the token", refused);
        Assert.StartsWith("http://127.0.0.1:", absent);
        Assert.Contains("Unavailable", absent);
    }
}
