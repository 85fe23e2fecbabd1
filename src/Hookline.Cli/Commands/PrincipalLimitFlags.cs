using System.CommandLine;
using Hookline.Server;

namespace Hookline.Cli.Commands;

/// <summary>The per-principal limits of <c>hookline server</c>: open streams, unary calls in progress, and event bytes per second.</summary>
internal sealed class PrincipalLimitFlags
{
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

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _streams, _unaryCalls, _rate, _burst })
        {
            command.Options.Add(option);
        }
    }

    public HooklineServerOptions Apply(ParseResult parse, HooklineServerOptions options)
    {
        options.MaxStreamsPerPrincipal = parse.GetValue(_streams);
        options.MaxUnaryCallsPerPrincipal = parse.GetValue(_unaryCalls);
        options.EventBytesPerSecondPerPrincipal = parse.GetValue(_rate);
        options.EventBurstBytesPerPrincipal = parse.GetValue(_burst);
        return options;
    }
}
