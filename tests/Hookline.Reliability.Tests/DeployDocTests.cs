using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;
using Xunit.Abstractions;

namespace Hookline.Reliability.Tests;

/// <summary>
/// docs/deploy.md, run as written: the release tarball installed into empty directories standing for two replica
/// hosts, a CA made with the doc's openssl commands, Debian's nginx loading the doc's configuration in front of the
/// two replicas (started with the systemd unit's ExecStart as its User) on one PostgreSQL database, tokens, a sidecar
/// and a policy apply through nginx, and the replica holding the sidecar's stream SIGKILLed during a burst of hooks.
/// Also the single-server section: SQLite, mutual TLS, tokens. Needs root (useradd, runuser) and openssl, and nginx for
/// the replicas: skipped without them on a developer machine, failed in CI.
/// </summary>
public sealed class DeployDocTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Deny = "rm -rf /srv/build";
    private const string Nginx = "/usr/sbin/nginx";
    private const string Snakeoil = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _work = Directory.CreateTempSubdirectory("hl-deploy-").FullName;
    private readonly string _users = "hl" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<ChildProcess> _processes = [];
    private readonly List<string> _createdUsers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task The_deploy_doc_as_written_runs_two_replicas_behind_nginx_that_keep_every_hook_through_a_SIGKILL()
    {
        var doc = Prepare(nginx: true);
        await using var database = await TestDatabase.CreateAsync();
        var network = new DeployNetwork(Ports.Free(), Ports.Free(), Ports.Free(), Ports.Free(),
            Ports.Free(), Ports.Free(), await PostgresAsync(database));
        var proxy = Host("proxy", user: "");
        var (a, b) = (Host("replica-a", _users + "a"), Host("replica-b", _users + "b"));

        // TLS on nginx's host: the doc's openssl commands, a CA made now.
        await proxy.RunAsync("tls", proxy.Substitute(doc.Block("tls"), network));

        // Each replica host: the tarball into an empty root, the system user, the secrets, the config, the unit.
        var replicas = new List<ChildProcess>();
        foreach (var (host, ports) in new[] { (a, (network.AGrpc, network.AHttp)), (b, (network.BGrpc, network.BHttp)) })
        {
            await InstallAsync(host, doc, network);
            File.Copy(proxy.Path("/etc/hookline/tls/ca.pem"), Path.Combine(host.Home, "ca.pem"));
            await host.RunAsync("secrets", host.Substitute(doc.Block("secrets"), network));
            await File.WriteAllTextAsync(host.Path("/etc/hookline/policy.yaml"), doc.Block("policy"));
            await File.WriteAllTextAsync(host.Path("/etc/hookline/hookline.yaml"), host.Substitute(doc.Block("replica-config"), network, ports));
            replicas.Add(StartUnit(host, network));
        }
        // The developer's and the admin's machine (here nginx's host) need only the two binaries.
        foreach (var binary in new[] { "hookline", "hookline-hook" })
        {
            File.Copy(Path.Combine(a.Bin, binary), Path.Combine(proxy.Bin, binary));
        }
        foreach (var replica in replicas)
        {
            var listening = await replica.WaitForLineAsync("Hookline server: gRPC on", Bound);
            Assert.False(replica.SawLine("this machine only"), replica.Output);
            output.WriteLine(listening);
        }

        // Tokens in the database (on replica A's host), handed to the admin's and the developer's directory.
        await a.RunAsync("tokens", a.Substitute(doc.Block("tokens"), network));
        foreach (var token in new[] { "admin.token", "alice.token" })
        {
            File.Copy(Path.Combine(a.Home, token), Path.Combine(proxy.Home, token));
            File.SetUnixFileMode(Path.Combine(proxy.Home, token), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        // nginx from Debian with the doc's file, included the way Debian's nginx.conf includes conf.d/*.conf.
        Directory.CreateDirectory(proxy.Path("/etc/nginx/conf.d"));
        await File.WriteAllTextAsync(proxy.Path("/etc/nginx/conf.d/hookline.conf"), proxy.Substitute(doc.Block("nginx"), network));
        var nginxConf = await WriteNginxMainAsync(proxy);
        var check = await RunAsync(Nginx, ["-t", "-e", "stderr", "-c", nginxConf]);
        Assert.True(check.Exit == 0, $"nginx -t: {check.Output}");
        var nginx = Start(Nginx, ["-e", "stderr", "-c", nginxConf, "-g", "daemon off;"]);
        await Eventually.TrueAsync(() => Task.FromResult(Accepts(network.FrontGrpc) && Accepts(network.FrontHttp)), Bound, () => "nginx listening: " + nginx.Output);

        // The developer's sidecar, through nginx by name (the certificate's DNS SAN).
        var (sidecar, socket, session) = await StartSidecarAsync(proxy, proxy.Substitute(doc.Block("sidecar"), network));
        var holder = await HolderAsync(replicas, session);
        var epoch = (await SidecarProbe.StatusAsync(socket)).PolicyEpoch;

        // A policy apply through nginx by IP address (the certificate's IP SAN), with the admin token: it reaches the sidecar.
        await File.WriteAllTextAsync(proxy.Path("/etc/hookline/policy.yaml"), doc.Block("policy") + """
              - id: no-curl
                effect: deny
                match: "Bash(curl *)"
                reason: "applied through nginx"
            """);
        var installed = sidecar.WaitForLineAsync($"Policy epoch {epoch + 1} installed", Bound);
        var applied = await proxy.RunAsync("policy-apply", proxy.Substitute(doc.Block("policy-apply"), network));
        Assert.Contains($"applied as epoch {epoch + 1}", applied);
        await installed;
        var curl = await HookRun.SpawnAsync(socket, "pre-tool-use", HookRun.Bash("curl https://example.com"));
        Assert.True(curl.PermissionDecision == "deny", $"curl after the apply: exit {curl.ExitCode}, {curl.Stdout}{curl.Stderr}");

        // The replica holding the sidecar's stream SIGKILLed in the middle of a burst.
        // Workload's expected answers (rm -rf denied, git status allowed, the rest left to the agent) are the doc's policy's.
        var cases = Workload.Make("deploydoc", 400);
        var killAt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var burst = Burst.RunAsync(socket, cases, concurrency: 8, progress: done => { if (done == 150) killAt.TrySetResult(); });
        await killAt.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var survivor = replicas.Single(r => r != holder);
        var failedOver = survivor.WaitForLineAsync($"Stream opened for session {session}", Bound);
        _processes.Remove(holder);
        await holder.DisposeAsync(); // SIGKILL to runuser and the server under it
        var outcomes = await burst;
        await failedOver;

        Burst.AssertPolicyAnswers(outcomes);
        var status = await SidecarProbe.DrainedAsync(sidecar, socket);
        var stored = await StoredEvents.ReadPostgresAsync(database.ConnectionString, session);
        var (kept, duplicated, lost) = stored.Account(cases);
        output.WriteLine($"{cases.Count} hooks through nginx, the stream's replica SIGKILLed after 150: stored {kept}, duplicated {duplicated}, lost {lost}; " +
            $"reconnects {status.Reconnects}, replayed {status.Replayed}, remote {status.From("remote")}, local {status.From("local")}");
        Assert.Equal((cases.Count, 0, 0), (kept, duplicated, lost));
        Assert.Equal(stored.Rows.Count, stored.Rows.Select(r => r.EventId).Distinct().Count());
        Assert.True(status.Reconnects >= 1, $"reconnects {status.Reconnects}");
        var verify = await CliRun.RunAsync(["verify", "--postgres", database.ConnectionString]);
        Assert.True(verify.Exit == 0, $"hookline verify: {verify.Stdout}{verify.Stderr}");
    }

    [SkippableFact]
    public async Task The_deploy_doc_as_written_runs_a_single_server_on_SQLite_with_mutual_TLS_and_tokens()
    {
        var doc = Prepare(nginx: false);
        var network = new DeployNetwork(Ports.Free(), Ports.Free(), 0, 0, 0, 0, Postgres: "");
        var server = Host("server", _users + "s");
        await InstallAsync(server, doc, network);
        foreach (var block in new[] { "tls", "client-cert", "single-tls-access" })
        {
            await server.RunAsync(block, server.Substitute(doc.Block(block), network));
        }
        await File.WriteAllTextAsync(server.Path("/etc/hookline/policy.yaml"), doc.Block("policy"));
        await File.WriteAllTextAsync(server.Path("/etc/hookline/hookline.yaml"), server.Substitute(doc.Block("single-config"), network));
        await server.RunAsync("single-admin-token", server.Substitute(doc.Block("single-admin-token"), network));
        var process = StartUnit(server, network);
        output.WriteLine(await process.WaitForLineAsync("Hookline server: gRPC on", Bound));
        await server.RunAsync("single-tokens", server.Substitute(doc.Block("single-tokens"), network));

        var (_, socket, session) = await StartSidecarAsync(server, server.Substitute(doc.Block("single-sidecar"), network));
        var run = await HookRun.SpawnAsync(socket, "pre-tool-use", HookRun.Bash(Deny), hook: Path.Combine(server.Bin, "hookline-hook"));

        Assert.True(run.ExitCode == 0 && run.PermissionDecision == "deny", $"hook: exit {run.ExitCode}, {run.Stdout}{run.Stderr}");
        var database = server.Path("/var/lib/hookline/hookline.db");
        await Eventually.TrueAsync(async () => await CountDeniedAsync(database, session, user: "alice") == 1, Bound,
            () => $"alice's denied event of session {session} is not in {database}; server:\n{process.Output}");
    }

    /// <summary>The preconditions and the doc, with the checks that tie the doc, the repository and the tarball together.</summary>
    private DeployDoc Prepare(bool nginx)
    {
        RequireTools(nginx);
        var doc = DeployDoc.Load();
        Assert.Contains(Path.GetFileName(Tarball()), doc.Block("install"));
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "hookline.service")), doc.Block("unit"));
        File.SetUnixFileMode(_work, (UnixFileMode)0b111_101_101); // the hosts' system users traverse it
        return doc;
    }

    /// <summary>The doc's install block on an empty host, with the tarball downloaded to its current directory.</summary>
    private async Task InstallAsync(DeployHost host, DeployDoc doc, DeployNetwork network)
    {
        var tarball = Tarball();
        File.Copy(tarball, Path.Combine(host.Home, Path.GetFileName(tarball)));
        _createdUsers.Add(host.User);
        await host.RunAsync("install", host.Substitute(doc.Block("install"), network));
        Assert.Equal(doc.Block("unit"), File.ReadAllText(host.Path("/etc/systemd/system/hookline.service")));
    }

    /// <summary>The doc's sidecar command in the host's current directory, with the test's socket, session and state.</summary>
    private async Task<(ChildProcess Sidecar, string Socket, string Session)> StartSidecarAsync(DeployHost host, string block)
    {
        var socket = Path.Combine(Directory.CreateDirectory(Path.Combine(host.Root, "run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName, "hook.sock");
        var session = Guid.NewGuid().ToString();
        var sidecar = Start("bash", ["-c", $"cd {host.Home} && exec {Command(block)} \"$@\"", "sidecar",
            "--socket", socket, "--session", session, "--state-dir", Path.Combine(host.Root, "state"), "--fail-mode", "closed", "--log-level", "Debug"],
            new Dictionary<string, string> { ["PATH"] = host.Bin + ":" + Environment.GetEnvironmentVariable("PATH"), ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(host.Root, "orphans.jsonl") });
        await sidecar.WaitForLineAsync("HOOKLINE_SOCKET=", Bound);
        return (sidecar, socket, session);
    }

    private static async Task<long> CountDeniedAsync(string database, string session, string user)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*) FROM events e JOIN sessions s ON s.session_id = e.session_id
            WHERE e.session_id = $session AND e.verdict = 'deny' AND s.user_name = $user
            """;
        command.Parameters.AddWithValue("$session", session);
        command.Parameters.AddWithValue("$user", user);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Root for useradd and runuser, openssl, and nginx where asked: a developer machine without them skips; CI fails.</summary>
    private static void RequireTools(bool nginx)
    {
        var missing = new List<string>();
        if (Environment.UserName != "root")
        {
            missing.Add("root (useradd, runuser)");
        }
        if (nginx && !File.Exists(Nginx))
        {
            missing.Add("nginx (apt-get install nginx-light)");
        }
        if (!File.Exists("/usr/bin/openssl"))
        {
            missing.Add("openssl");
        }
        Requires.That(missing.Count == 0, "docs/deploy.md's test needs " + string.Join(", ", missing));
    }

    private static string Tarball()
    {
        var artifacts = Path.Combine(Repository.Root, "artifacts");
        var found = Directory.Exists(artifacts) ? Directory.GetFiles(artifacts, "hookline-*-linux-x64.tar.gz") : [];
        Assert.True(found.Length == 1, $"expected one release tarball in {artifacts} (./build.sh makes it), found {found.Length}");
        return found[0];
    }

    /// <summary>The doc's connection string for the test's database: its TLS (VerifyFull, a root certificate, the host
    /// name) is kept when the local PostgreSQL serves a certificate for localhost (Debian's own, for that name).</summary>
    private async Task<string> PostgresAsync(TestDatabase database)
    {
        var plain = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var verified = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Host = "localhost", SslMode = SslMode.VerifyFull, RootCertificate = Snakeoil,
        };
        try
        {
            await using var connection = new NpgsqlConnection(verified.ConnectionString);
            await connection.OpenAsync();
            await using var super = new NpgsqlCommand("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user", connection);
            Assert.False((bool)(await super.ExecuteScalarAsync())!, "the replicas' role must hold no more than the doc gives it");
            return verified.ConnectionString;
        }
        catch (NpgsqlException ex)
        {
            output.WriteLine($"PostgreSQL TLS not exercised (no certificate for localhost that {Snakeoil} verifies): {ex.Message}");
            plain.SslMode = SslMode.Disable;
            return plain.ConnectionString;
        }
    }

    private DeployHost Host(string name, string user)
    {
        var host = new DeployHost(Path.Combine(_work, name), user);
        // Empty of Hookline, with the directories every Debian system has.
        foreach (var directory in new[] { host.Home, host.Bin, host.Path("/etc/systemd/system"), host.Path("/var/lib") })
        {
            Directory.CreateDirectory(directory);
        }
        return host;
    }

    /// <summary>What systemd would do with the installed unit: its ExecStart, as its User, with its EnvironmentFile.</summary>
    private ChildProcess StartUnit(DeployHost host, DeployNetwork network)
    {
        var unit = host.Substitute(File.ReadAllText(host.Path("/etc/systemd/system/hookline.service")), network).Split('\n');
        string Key(string key) => unit.Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
        // "-": an optional file (the single server has no secrets).
        var environmentFile = Key("EnvironmentFile").TrimStart('-');
        var environment = (File.Exists(environmentFile) ? File.ReadAllLines(environmentFile) : [])
            .Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1].Trim('"'));
        return Start("runuser", ["-u", Key("User"), "--", .. Key("ExecStart").Split(' ')], environment);
    }

    /// <summary>The main nginx.conf of the test (Debian's loads modules, logs and conf.d/*.conf the same way).</summary>
    private static async Task<string> WriteNginxMainAsync(DeployHost proxy)
    {
        var state = Directory.CreateDirectory(proxy.Path("/var/lib/nginx")).FullName;
        File.SetUnixFileMode(state, (UnixFileMode)0b111_111_111);
        var file = proxy.Path("/etc/nginx/nginx.conf");
        await File.WriteAllTextAsync(file, $$"""
            user www-data;
            worker_processes 1;
            pid {{proxy.Root}}/nginx.pid;
            include /etc/nginx/modules-enabled/*.conf;
            events { worker_connections 768; }
            http {
                access_log off;
                client_body_temp_path {{state}}/body;
                proxy_temp_path {{state}}/proxy;
                fastcgi_temp_path {{state}}/fastcgi;
                uwsgi_temp_path {{state}}/uwsgi;
                scgi_temp_path {{state}}/scgi;
                include {{proxy.Path("/etc/nginx/conf.d")}}/*.conf;
            }
            """);
        return file;
    }

    /// <summary>The replica whose server opened the session's stream.</summary>
    private static async Task<ChildProcess> HolderAsync(List<ChildProcess> replicas, string session)
    {
        var opened = $"Stream opened for session {session}";
        await Eventually.TrueAsync(() => Task.FromResult(replicas.Any(r => r.SawLine(opened))), Bound, () => "no replica opened the sidecar's stream");
        return replicas.Single(r => r.SawLine(opened));
    }

    /// <summary>A one-command block, its continuation lines joined.</summary>
    private static string Command(string block) => block.Replace("\\\n", " ", StringComparison.Ordinal).Trim();

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private ChildProcess Start(string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var process = ChildProcess.Start(file, args, env);
        _processes.Add(process);
        return process;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Bound);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public async Task DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
        foreach (var user in _createdUsers)
        {
            await RunAsync("userdel", [user]);
        }
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
