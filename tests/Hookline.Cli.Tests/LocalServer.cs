using Hookline.Server;

namespace Hookline.Cli.Tests;

/// <summary>A real server for the CLI to talk to: Kestrel on 127.0.0.1 ports of its own, its SQLite file under <c>dir/data</c>.</summary>
internal static class LocalServer
{
    public static async Task<HooklineServer> StartAsync(TempDir dir, Action<HooklineServerOptions>? configure = null)
    {
        var policy = dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        var options = new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = "http://127.0.0.1:0",
            PolicyFile = policy,
            DataDirectory = dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        };
        configure?.Invoke(options);
        return await HooklineServer.StartAsync(options);
    }

    /// <summary>A new token in a file of mode 0600, as <c>--token-file</c> wants it.</summary>
    public static string TokenFile(TempDir dir, string name, TokenScope scope, string? user = null, params string[] groups)
    {
        var path = dir.File(name + ".token");
        File.WriteAllText(path, Tokens.Create(dir.File("data"), name, scope, user, null, groups).Token);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
