using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Hookline.Reliability.Tests;

/// <summary>
/// The blocks of docs/deploy.md whose fence is tagged <c>deploy-test:NAME</c>, exactly as a reader copies them. The
/// test changes only host names, ports, directories, user names and secrets (<see cref="DeployHost.Substitute"/>).
/// </summary>
internal sealed partial class DeployDoc
{
    private readonly Dictionary<string, string> _blocks;

    private DeployDoc(Dictionary<string, string> blocks) => _blocks = blocks;

    public static string PathOnDisk => Path.Combine(Repository.Root, "docs", "deploy.md");

    public static DeployDoc Load()
    {
        var blocks = new Dictionary<string, string>();
        string? tag = null;
        var body = new List<string>();
        foreach (var line in File.ReadAllLines(PathOnDisk))
        {
            if (tag is null)
            {
                if (Fence().Match(line) is { Success: true } open)
                {
                    tag = open.Groups[1].Value;
                    body.Clear();
                }
            }
            else if (line == "```")
            {
                Assert.True(blocks.TryAdd(tag, string.Join('\n', body) + "\n"), $"docs/deploy.md: two blocks tagged deploy-test:{tag}");
                tag = null;
            }
            else
            {
                body.Add(line);
            }
        }
        Assert.True(tag is null, $"docs/deploy.md: the block tagged deploy-test:{tag} is not closed");
        return new DeployDoc(blocks);
    }

    public string Block(string tag) =>
        _blocks.TryGetValue(tag, out var text) ? text : throw new InvalidOperationException($"docs/deploy.md has no block tagged deploy-test:{tag}");

    [GeneratedRegex(@"^```\w+ deploy-test:([\w-]+)\s*$")]
    private static partial Regex Fence();
}

/// <summary>
/// The addresses the doc's example hosts stand for in the test: everything on loopback, on free ports. The front is
/// where clients connect (hookline.internal): nginx, or the single server itself.
/// </summary>
internal sealed record DeployNetwork(int FrontGrpc, int FrontHttp, int AGrpc, int AHttp, int BGrpc, int BHttp, string Postgres);

/// <summary>
/// One of the doc's machines (nginx's host, a replica) as a directory standing for its root, with its own system user.
/// </summary>
internal sealed record DeployHost(string Root, string User)
{
    /// <summary>Where the tarball was downloaded and the admin's commands run (the doc's current directory).</summary>
    public string Home => System.IO.Path.Combine(Root, "root");

    public string Bin => Path("/usr/local/bin");

    public string Path(string absolute) => Root + absolute;

    /// <summary>The doc's text for this host: only host names, ports, directories, user names and secrets change.</summary>
    /// <param name="replica">For a replica's config file (written for 10.0.0.11): the ports of the replica it is for.</param>
    public string Substitute(string text, DeployNetwork network, (int Grpc, int Http)? replica = null)
    {
        var (grpc, http) = replica ?? (network.AGrpc, network.AHttp);
        (string From, string To)[] pairs =
        [
            // Secrets and the database host: the connection string of the test's own database.
            ("Host=db.internal;Port=5432;Database=hookline;Username=hookline;Password=change-me;SSL Mode=VerifyFull;Root Certificate=/etc/hookline/tls/ca.pem", network.Postgres),
            // Host names and ports: nginx (10.0.0.10, hookline.internal) and the replicas, on loopback.
            ("10.0.0.11:7420", $"127.0.0.1:{grpc}"),
            ("10.0.0.11:7421", $"127.0.0.1:{http}"),
            ("10.0.0.12:7420", $"127.0.0.1:{network.BGrpc}"),
            ("10.0.0.12:7421", $"127.0.0.1:{network.BHttp}"),
            ("listen 7420 ", $"listen 127.0.0.1:{network.FrontGrpc} "),
            ("listen 7421 ", $"listen 127.0.0.1:{network.FrontHttp} "),
            ("0.0.0.0:7420", $"127.0.0.1:{network.FrontGrpc}"),
            ("0.0.0.0:7421", $"127.0.0.1:{network.FrontHttp}"),
            ("hookline.internal:7420", $"localhost:{network.FrontGrpc}"),
            ("hookline.internal:7421", $"localhost:{network.FrontHttp}"),
            ("10.0.0.10:7421", $"127.0.0.1:{network.FrontHttp}"),
            ("hookline.internal", "localhost"),
            ("10.0.0.10", "127.0.0.1"),
            // Directories: this host's root.
            ("/etc/hookline", Path("/etc/hookline")),
            ("/var/lib/hookline", Path("/var/lib/hookline")),
            ("/usr/local/bin", Bin),
            ("/etc/systemd/system", Path("/etc/systemd/system")),
            ("/etc/nginx", Path("/etc/nginx")),
            // The system user.
            ("--shell /usr/sbin/nologin hookline", $"--shell /usr/sbin/nologin {User}"),
            (" -g hookline ", $" -g {User} "),
            (" -o hookline ", $" -o {User} "),
            ("runuser -u hookline ", $"runuser -u {User} "),
            ("chgrp hookline ", $"chgrp {User} "),
            ("User=hookline", $"User={User}"),
            ("Group=hookline", $"Group={User}"),
        ];
        foreach (var (from, to) in pairs)
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>Runs a shell block of the doc in <see cref="Home"/> with bash (root's shell on Debian), as root, bounded.</summary>
    public async Task<string> RunAsync(string name, string script)
    {
        var file = System.IO.Path.Combine(Home, $".{name}.sh");
        await File.WriteAllTextAsync(file, script);
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", file])
        {
            WorkingDirectory = Home, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"docs/deploy.md block '{name}' failed on {Root} (exit {process.ExitCode}):\n{script}\n--- output:\n{output}");
        return output;
    }
}
