using Hookline.LoadTool;
using Hookline.LoadTool.Modes;

var options = LoadOptions.Parse(args.Skip(1));
var mode = args.FirstOrDefault();
var report = new Report(Console.Out);
Func<Task<bool>>? run = mode switch
{
    "stream-vs-unary" => () => StreamVsUnaryMode.RunAsync(options, report),
    "throughput" => () => ThroughputMode.RunAsync(options, report),
    "hook-chain" => () => HookChainMode.RunAsync(options, report),
    "transports" => () => TransportsMode.RunAsync(options, report),
    "rss" => () => RssMode.RunAsync(options, report),
    "http-stages" => () => HttpStagesMode.RunAsync(options, report),
    "unary-auth" => () => UnaryAuthMode.RunAsync(options, report),
    "approval-latency" => () => ApprovalLatencyMode.RunAsync(options, report),
    "idle-streams" => () => IdleStreamsMode.RunAsync(options, report),
    "fleet" => () => FleetMode.RunAsync(options, report),
    _ => null,
};
if (run is null)
{
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}
report.Machine();
var ok = await run();
report.PrintMarkdown();
return ok ? 0 : 1;
