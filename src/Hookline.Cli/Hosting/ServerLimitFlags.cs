using System.CommandLine;
using Hookline.Server;

namespace Hookline.Cli.Hosting;

/// <summary>
/// The limits of <c>hookline server</c>: open connections, per principal open streams, unary calls in progress and
/// event bytes per second, and per session pending approvals.
/// </summary>
internal sealed class ServerLimitFlags
{
    private readonly Option<int> _connections = new("--max-connections")
    {
        Description = "Open connections each listener accepts; past it a new one is closed at once",
        DefaultValueFactory = _ => Core.ConnectionLimits.Server.MaxConnections,
    };

    private readonly Option<int> _streams = new("--max-streams-per-principal")
    {
        Description = "Open streams one principal (issuer, user, org) may hold; one more is refused (ResourceExhausted). 0: no limit",
        DefaultValueFactory = _ => HooklineServerOptions.DefaultMaxStreamsPerPrincipal,
    };

    private readonly Option<int> _unaryCalls = new("--max-unary-calls-per-principal")
    {
        Description = "Decision calls (DecideOnce) one principal may have in progress; one more is refused at once (ResourceExhausted). 0: no limit",
        DefaultValueFactory = _ => HooklineServerOptions.DefaultMaxUnaryCallsPerPrincipal,
    };

    private readonly Option<long> _rate = new("--event-bytes-per-second")
    {
        Description = "Event bytes per second one principal's streams may send together; above it they are read more slowly, nothing is lost. 0: no limit",
        DefaultValueFactory = _ => HooklineServerOptions.DefaultEventBytesPerSecondPerPrincipal,
    };

    private readonly Option<long> _burst = new("--event-burst-bytes")
    {
        Description = "Event bytes one principal may send at once above its rate before its streams are slowed",
        DefaultValueFactory = _ => HooklineServerOptions.DefaultEventBurstBytesPerPrincipal,
    };

    private readonly Option<int> _pendingApprovals = new("--max-pending-approvals")
    {
        Description = "Approvals one session may have waiting for an answer; one more gets its on_timeout at once (approval_limit)",
        DefaultValueFactory = _ => HooklineServerOptions.DefaultMaxPendingApprovalsPerSession,
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _connections, _streams, _unaryCalls, _rate, _burst, _pendingApprovals })
        {
            command.Options.Add(option);
        }
    }

    public HooklineServerOptions Apply(ParseResult parse, HooklineServerOptions options)
    {
        options.ConnectionLimits = options.ConnectionLimits with { MaxConnections = Math.Max(1, parse.GetValue(_connections)) };
        options.MaxStreamsPerPrincipal = parse.GetValue(_streams);
        options.MaxUnaryCallsPerPrincipal = parse.GetValue(_unaryCalls);
        options.EventBytesPerSecondPerPrincipal = parse.GetValue(_rate);
        options.EventBurstBytesPerPrincipal = parse.GetValue(_burst);
        options.MaxPendingApprovalsPerSession = Math.Max(1, parse.GetValue(_pendingApprovals));
        return options;
    }
}
