using System.Diagnostics;

namespace Hookline.Agents.Tests;

/// <summary>
/// The test assembly doubles as the launcher that runs inside the client's network namespace: a client there cannot
/// reach the test process's loopback, so the fake model API, the Hookline stack and the client must share one.
/// <c>dotnet Hookline.Agents.Tests.dll launch --requests FILE --tool-command CMD --stdout FILE --stderr FILE
/// [--netns] [--template FILE]... [--timeout-s N] [--stop-marker TEXT [--stop-grace-s N]] -- PROGRAM ARGS...</c>. <c>{API_URL}</c> in the arguments, in this
/// process's environment and in each template file is replaced by the fake API's address.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "launch")
        {
            await Console.Error.WriteLineAsync("usage: launch --requests FILE --tool-command CMD --stdout FILE --stderr FILE [--netns] [--template FILE]... -- PROGRAM ARGS...");
            return 64;
        }
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var split = Array.IndexOf(args, "--");
        var command = args[(split + 1)..];
        for (var i = 1; i < split; i++)
        {
            var name = args[i];
            if (name == "--netns")
            {
                options[name] = [];
                continue;
            }
            if (!options.TryGetValue(name, out var values))
            {
                options[name] = values = [];
            }
            values.Add(args[++i]);
        }
        if (options.ContainsKey("--netns") && !await BringUpLoopbackAsync())
        {
            return 70;
        }
        await using var api = await FakeModelApi.StartAsync(options["--requests"][0], options["--tool-command"]);
        foreach (var template in options.GetValueOrDefault("--template") ?? [])
        {
            await File.WriteAllTextAsync(template, (await File.ReadAllTextAsync(template)).Replace("{API_URL}", api.Url, StringComparison.Ordinal));
        }
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in command[1..])
        {
            start.ArgumentList.Add(arg.Replace("{API_URL}", api.Url, StringComparison.Ordinal));
        }
        foreach (var key in start.Environment.Keys.ToList())
        {
            start.Environment[key] = start.Environment[key]?.Replace("{API_URL}", api.Url, StringComparison.Ordinal);
        }
        var timeout = TimeSpan.FromSeconds(int.Parse(options.GetValueOrDefault("--timeout-s")?[0] ?? "120", System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = ReadStampedAsync(process.StandardOutput, options["--stdout"][0] + ".times");
        var stderr = ReadLiveAsync(process.StandardError, options["--stderr"][0] + ".live");
        using var cts = new CancellationTokenSource(timeout);
        if (options.GetValueOrDefault("--stop-marker") is [var marker])
        {
            var graceText = options.GetValueOrDefault("--stop-grace-s")?[0] ?? "10";
            _ = StopAfterFinishAsync(api, process, TimeSpan.FromSeconds(int.Parse(graceText, System.Globalization.CultureInfo.InvariantCulture)), marker);
        }
        var exit = 0;
        try
        {
            await process.WaitForExitAsync(cts.Token);
            exit = process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            exit = 124;
        }
        await File.WriteAllTextAsync(options["--stdout"][0], await stdout);
        await File.WriteAllTextAsync(options["--stderr"][0], (exit == 124 ? $"launcher: killed after {timeout}\n" : "") + await stderr);
        return exit;
    }

    /// <summary>
    /// Reads the client's stdout line by line as it comes, and also writes each line to <paramref name="timesFile"/>
    /// after the microseconds since the read began: agents that print an event before and after each hook (Claude
    /// Code's <c>--include-hook-events</c>) then show how long each hook took as the agent saw it.
    /// </summary>
    private static async Task<string> ReadStampedAsync(StreamReader reader, string timesFile)
    {
        var all = new System.Text.StringBuilder();
        var times = new System.Text.StringBuilder();
        var clock = Stopwatch.StartNew();
        while (await reader.ReadLineAsync() is { } line)
        {
            times.Append(clock.Elapsed.Ticks / 10).Append('\t').Append(line).Append('\n');
            all.Append(line).Append('\n');
        }
        await File.WriteAllTextAsync(timesFile, times.ToString());
        return all.ToString();
    }

    /// <summary>
    /// Reads the client's stderr to its end, and meanwhile appends each line to <paramref name="liveFile"/> as it comes: a
    /// test reads what <c>hookline start</c> prints there (its server's address) while the client still runs.
    /// </summary>
    private static async Task<string> ReadLiveAsync(StreamReader reader, string liveFile)
    {
        var all = new System.Text.StringBuilder();
        await using var live = new FileStream(liveFile, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        await using var writer = new StreamWriter(live) { AutoFlush = true };
        while (await reader.ReadLineAsync() is { } line)
        {
            all.Append(line).Append('\n');
            await writer.WriteLineAsync(line);
        }
        return all.ToString();
    }

    /// <summary>
    /// Some clients linger long after their last turn (Gemini CLI waits on background work that cannot reach the
    /// network here): once the model has finished and a grace period passed, SIGTERM the agent process itself (the
    /// launched process's descendant whose program name is <paramref name="marker"/>, e.g. <c>node</c>), so a wrapper
    /// such as <c>hookline start</c> still sees a normal agent exit and flushes.
    /// </summary>
    private static async Task StopAfterFinishAsync(FakeModelApi api, Process launched, TimeSpan grace, string marker)
    {
        await api.Finished;
        await Task.Delay(grace);
        foreach (var pid in Descendants(launched.Id))
        {
            var cmdline = File.Exists($"/proc/{pid}/cmdline") ? await File.ReadAllTextAsync($"/proc/{pid}/cmdline") : "";
            if (Path.GetFileName(cmdline.Split('\0')[0]) == marker)
            {
                await Console.Error.WriteLineAsync($"launcher: the model finished {grace} ago; stopping {pid} ({marker})");
                using var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
            }
        }
    }

    private static List<int> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
            catch (IOException)
            {
            }
        }
        var result = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out var pid))
        {
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                result.Add(child);
                queue.Enqueue(child);
            }
        }
        return result;
    }

    /// <summary>A new network namespace has only a loopback interface, and it is down.</summary>
    private static async Task<bool> BringUpLoopbackAsync()
    {
        using var ip = Process.Start(new ProcessStartInfo("ip", ["link", "set", "lo", "up"]) { UseShellExecute = false })!;
        await ip.WaitForExitAsync();
        if (ip.ExitCode != 0)
        {
            await Console.Error.WriteLineAsync("launcher: 'ip link set lo up' failed");
        }
        return ip.ExitCode == 0;
    }
}
