namespace Hookline.LoadTool.Modes;

/// <summary>
/// Every figure of issue 18's table in one run, each by the mode that measures it (with smaller defaults so the whole
/// run stays within minutes; any option given on the command line still applies to every mode that reads it), then
/// one table of the figures. With <c>--postgres</c>, throughput runs on PostgreSQL too.
/// </summary>
internal static class FleetMode
{
    public static async Task<bool> RunAsync(LoadOptions options, Report report)
    {
        var ok = true;
        var throughput = options.WithDefaults(("seconds", "10"), ("warmup-seconds", "3"));
        ok &= await Run("throughput (SQLite)", () => ThroughputMode.RunAsync(throughput.Without("postgres"), report), report);
        if (options.Text("postgres") is not null)
        {
            ok &= await Run("throughput (PostgreSQL)", () => ThroughputMode.RunAsync(throughput, report), report);
        }
        ok &= await Run("stream-vs-unary", () => StreamVsUnaryMode.RunAsync(options.WithDefaults(("n", "5000"), ("warmup", "1000"), ("rounds", "10")), report), report);
        ok &= await Run("hook-chain", () => HookChainMode.RunAsync(options, report), report);
        ok &= await Run("rss", () => RssMode.RunAsync(options.WithDefaults(("events", "20000")), report), report);
        ok &= await Run("idle-streams", () => IdleStreamsMode.RunAsync(options.WithDefaults(("connections", "10")), report), report);
        report.Figures("Issue 18 figures");
        return ok;
    }

    /// <summary>One mode; a failure is reported and the run goes on to the next figure.</summary>
    private static async Task<bool> Run(string name, Func<Task<bool>> mode, Report report)
    {
        report.Line($"== {name}");
        try
        {
            var ok = await mode();
            if (!ok)
            {
                report.Figure(name, "FAILED (see above)", name);
            }
            return ok;
        }
        catch (Exception ex)
        {
            report.Figure(name, $"FAILED: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}", name);
            return false;
        }
    }
}
