using System.CommandLine;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Core;

namespace Hookline.Cli.Clients;

/// <summary>
/// The flags of every command that talks to a server (<c>events</c>, <c>sessions</c>, <c>tail</c>, <c>approvals</c>, <c>policy apply</c>,
/// <c>policy replay</c>, <c>token --server</c>, <c>sidecar</c>, <c>start --server</c>, <c>doctor</c>): <c>--ca</c>,
/// <c>--client-cert</c>, <c>--client-key</c>, and <c>--config</c>, a YAML file holding any of the command's flags
/// (<see cref="ConfigFile"/>), so one client file (<c>server:</c>, <c>ca:</c>, <c>token-file:</c>) serves them all.
/// </summary>
internal sealed class ClientTlsFlags
{
    public Option<string?> Ca { get; } = CommonOptions.Ca();

    public Option<string?> ClientCert { get; } = new("--client-cert")
    {
        Description = "PEM client certificate, for a server (or proxy) that requires mutual TLS; with --client-key",
    };

    public Option<string?> ClientKey { get; } = new("--client-key") { Description = "PEM private key of --client-cert" };

    public Option<string?> Config { get; } = ConfigFile.Option();

    public void AddTo(Command command)
    {
        command.Options.Add(Ca);
        command.Options.Add(ClientCert);
        command.Options.Add(ClientKey);
        command.Options.Add(Config);
    }

    /// <summary>The command line merged with the <c>--config</c> file (the command line wins).</summary>
    /// <exception cref="ArgumentException">The file is unreadable or names a flag the command does not have.</exception>
    public ParseResult WithConfig(ParseResult parse, Command command) => ConfigFile.Apply(parse, command, Config);

    /// <summary>
    /// <see cref="WithConfig"/>; on a bad file or flag, says so on stderr as <c>hookline NAME: ...</c> and returns null
    /// (the caller exits with 2). For commands that need only the files (<c>sidecar</c>, <c>start</c>).
    /// </summary>
    public ParseResult? TryWithConfig(ParseResult parse, Command command, string name)
    {
        try
        {
            return WithConfig(parse, command);
        }
        catch (ArgumentException ex)
        {
            Report(parse, name, ex);
            return null;
        }
    }

    /// <summary>
    /// <see cref="TryWithConfig"/> then <see cref="Load"/>; on a bad file or flag, says so on stderr as
    /// <c>hookline NAME: ...</c> and returns null (the caller exits with 2).
    /// </summary>
    public (ParseResult Parse, ClientTls Tls)? Prepare(ParseResult parse, Command command, string name)
    {
        if (TryWithConfig(parse, command, name) is not { } merged)
        {
            return null;
        }
        try
        {
            return (merged, Load(merged));
        }
        catch (ArgumentException ex)
        {
            Report(merged, name, ex);
            return null;
        }
    }

    private static void Report(ParseResult parse, string name, ArgumentException ex) =>
        parse.Error().WriteLine($"hookline {name}: {ex.Message}");

    /// <summary>The files as given, for a sidecar (which loads them per replica).</summary>
    public RemoteTls Files(ParseResult parse) => new(parse.GetValue(Ca), parse.GetValue(ClientCert), parse.GetValue(ClientKey));

    /// <exception cref="ArgumentException">A file is unreadable, or only one of certificate and key is given.</exception>
    public ClientTls Load(ParseResult parse) => ClientTls.Load(parse.GetValue(Ca), parse.GetValue(ClientCert), parse.GetValue(ClientKey));
}
