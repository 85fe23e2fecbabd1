using System.CommandLine;
using Hookline.Cli.Clients;
using Hookline.Sidecar;
using Microsoft.Extensions.Logging;

namespace Hookline.Cli.Hosting;

/// <summary>Options shared by several commands, defined once so their names and defaults agree.</summary>
internal static class CommonOptions
{
    public static Option<string> FailMode()
    {
        var option = new Option<string>("--fail-mode")
        {
            Description = "What blocking hooks get when no policy snapshot is usable: closed (deny) or open (allow)",
            DefaultValueFactory = _ => "closed",
        };
        option.AcceptOnlyFromAmong("closed", "open");
        return option;
    }

    public static Option<int> BudgetMs() => new("--budget-ms")
    {
        Description = "How long a blocking hook waits for the server before the sidecar decides locally",
        DefaultValueFactory = _ => 8,
    };

    public static Option<string?> Policy() => new("--policy")
    {
        Description = "Policy file (YAML or JSON); watched and reloaded on change",
    };

    /// <summary>PostgreSQL connection string; HOOKLINE_POSTGRES when the flag is absent (keeps the password off the command line).</summary>
    public static Option<string?> Postgres() => new("--postgres")
    {
        Description = "PostgreSQL connection string (Npgsql syntax) instead of the SQLite file; default: $HOOKLINE_POSTGRES",
        DefaultValueFactory = _ => NullIfEmpty(Environment.GetEnvironmentVariable("HOOKLINE_POSTGRES")),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public static Option<LogLevel> LogLevelOption(LogLevel @default) => new("--log-level")
    {
        Description = "Trace, Debug, Information, Warning, Error, Critical or None",
        DefaultValueFactory = _ => @default,
    };

    /// <summary><c>--token-file</c> and the deprecated <c>--token</c> (see <see cref="TokenFile"/>).</summary>
    public static (Option<string?> File, Option<string?> Legacy) Token(string description)
        => (TokenFile.Option(description), TokenFile.LegacyOption(description));

    public static string? TokenValue(ParseResult parse, (Option<string?> File, Option<string?> Legacy) token)
        => TokenFile.Value(parse, token.Legacy, token.File);

    public static Option<string?> Ca() => new("--ca")
    {
        Description = "PEM certificate of the CA that signed the server's certificate (a private CA): trusted instead of the system store, not in addition",
    };

    public static Option<string> Capture(string description)
    {
        var option = new Option<string>("--capture") { Description = description, DefaultValueFactory = _ => "redacted" };
        option.AcceptOnlyFromAmong("none", "redacted", "full");
        return option;
    }

    public static Option<int> CaptureMaxBytes() => new("--capture-max-bytes")
    {
        Description = "The most bytes of each stored payload (redacted and full capture): a larger one is redacted first, then cut and marked [TRUNCATED]",
        DefaultValueFactory = _ => Core.EventCapture.DefaultMaxBytes,
    };

    public static Core.EventCapture ParseCapture(string? mode, int maxBytes) =>
        new(Core.EventCapture.TryParseMode(mode, out var parsed) ? parsed : Core.CaptureMode.Redacted, Math.Max(0, maxBytes));

    public static SidecarFailMode ParseFailMode(string? value) => value == "open" ? SidecarFailMode.Open : SidecarFailMode.Closed;

    public static ILoggerFactory Console(LogLevel level) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(level)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        }));

    /// <summary>Runs until Ctrl+C or SIGTERM.</summary>
    public static async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
        using var registration = cancellationToken.Register(() => stop.TrySetResult());
        await stop.Task.ConfigureAwait(false);
    }
}
