using System.CommandLine;
using Hookline.Cli.Clients;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Server;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline token create|list|revoke</c>: on a data directory (<c>--data</c>, the server's SQLite file, safe while
/// it runs), on the PostgreSQL database of the replicas (<c>--postgres</c>), or through a running server's HTTP
/// endpoint (<c>--server URL</c> with an admin token).
/// </summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var command = new Command("token", "Create, list and revoke API tokens (only a hash of each is stored)");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(RevokeCommand());
        return command;
    }

    /// <summary>Where the tokens are: a data directory, or a server reached over HTTP.</summary>
    private sealed class Target
    {
        public Option<string> Data { get; } = new("--data")
        {
            Description = "The server's data directory (hookline.db)",
            DefaultValueFactory = _ => HooklineServerOptions.DefaultDataDirectory(),
        };

        public Option<string?> Postgres { get; } = CommonOptions.Postgres();

        public Option<string?> Server { get; } = new("--server")
        {
            Description = "A running server's HTTP endpoint (--http-listen, e.g. https://host:7421) instead of --data",
        };

        public (Option<string?> File, Option<string?> Legacy) Token { get; } = CommonOptions.Token("Admin token for --server");

        public ClientTlsFlags Tls { get; } = new();

        public void AddTo(Command command)
        {
            command.Options.Add(Data);
            command.Options.Add(Postgres);
            command.Options.Add(Server);
            command.Options.Add(Token.File);
            command.Options.Add(Token.Legacy);
            Tls.AddTo(command);
        }

        public AuditLocation Location(ParseResult parse) => new(parse.GetValue(Data)!, parse.GetValue(Postgres));

        public TokenApiClient? Remote(ParseResult parse) => parse.GetValue(Server) is { } url
            ? new TokenApiClient(url, CommonOptions.TokenValue(parse, Token), Tls.Load(parse))
            : null;
    }

    private static Command CreateCommand()
    {
        var target = new Target();
        var name = new Option<string>("--name") { Description = "A name to know the token by (unique among active tokens)", Required = true };
        var scope = new Option<string>("--scope")
        {
            Description = "sidecar (agent RPCs and the stream), read (view), admin (tokens, policy; implies read), approve (answer approvals; nothing else)",
            Required = true,
        };
        scope.AcceptOnlyFromAmong("sidecar", "read", "admin", "approve");
        var user = new Option<string?>("--user") { Description = "The user this token speaks for: policy conditions and the audit trail see it" };
        var org = new Option<string?>("--org") { Description = "The user's organisation, recorded with every event" };
        var group = new Option<string[]>("--group")
        {
            Description = "A group the user is in, for approvals' by: [group:NAME] (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("create", "Create a token and print it once, alone on the last line") { name, scope, user, org, group };
        target.AddTo(command);
        command.SetAction(parse => Run(parse, "create", async () =>
        {
            parse = target.Tls.WithConfig(parse, command);
            var groups = parse.GetValue(group) is { Length: > 0 } named ? named : null;
            CreatedToken created;
            using (var remote = target.Remote(parse))
            {
                created = remote is not null
                    ? await remote.CreateAsync(new TokenRequest(parse.GetValue(name)!, parse.GetValue(scope)!, parse.GetValue(user), parse.GetValue(org), groups))
                    : Tokens.Create(target.Location(parse), parse.GetValue(name)!, Tokens.ParseScope(parse.GetValue(scope)!),
                        parse.GetValue(user), parse.GetValue(org), groups);
            }
            var info = created.Info;
            parse.Out().WriteLine($"created {info.Id} '{info.Name}' scope {info.Scope}" +
                (info.User.Length > 0 ? $" user {info.User}" : "") + (info.Org.Length > 0 ? $" org {info.Org}" : "") +
                (info.Groups is { Count: > 0 } g ? $" groups {string.Join(',', g)}" : "") +
                "; the token is shown once, below:");
            parse.Out().WriteLine(created.Token);
            return 0;
        }));
        return command;
    }

    private static Command ListCommand()
    {
        var target = new Target();
        var json = new Option<bool>("--json") { Description = "One JSON object per line" };
        var command = new Command("list", "List tokens (never their secrets)") { json };
        target.AddTo(command);
        command.SetAction(parse => Run(parse, "list", async () =>
        {
            parse = target.Tls.WithConfig(parse, command);
            IReadOnlyList<TokenInfo> tokens;
            using (var remote = target.Remote(parse))
            {
                tokens = remote is not null ? await remote.ListAsync() : Tokens.List(target.Location(parse));
            }
            if (!parse.GetValue(json))
            {
                parse.Out().WriteLine($"{"id",-16} {"name",-20} {"scope",-8} {"user",-16} {"org",-12} {"created",-20} {"revoked",-20} {"created by",-20} groups");
            }
            foreach (var t in tokens)
            {
                parse.Out().WriteLine(parse.GetValue(json)
                    ? System.Text.Json.JsonSerializer.Serialize(t, TokenJsonContext.Default.TokenInfo)
                    : $"{t.Id,-16} {t.Name,-20} {t.Scope,-8} {t.User,-16} {t.Org,-12} {t.CreatedAt:yyyy-MM-dd HH:mm:ss}Z " +
                      $"{(t.RevokedAt is { } r ? $"{r:yyyy-MM-dd HH:mm:ss}Z" : "-"),-20} {t.CreatedBy ?? "-",-20} " +
                      (t.Groups is { Count: > 0 } g ? string.Join(',', g) : "-"));
            }
            return 0;
        }));
        return command;
    }

    private static Command RevokeCommand()
    {
        var target = new Target();
        var key = new Argument<string>("id-or-name") { Description = "The token's id (tok_...) or name" };
        var command = new Command("revoke", "Revoke a token; its open streams close within seconds") { key };
        target.AddTo(command);
        command.SetAction(parse => Run(parse, "revoke", async () =>
        {
            parse = target.Tls.WithConfig(parse, command);
            TokenInfo? revoked;
            using (var remote = target.Remote(parse))
            {
                revoked = remote is not null ? await remote.RevokeAsync(parse.GetValue(key)!) : await Tokens.RevokeAsync(target.Location(parse), parse.GetValue(key)!);
            }
            if (revoked is null)
            {
                await parse.Error().WriteLineAsync($"hookline token revoke: no active token with id or name '{parse.GetValue(key)}'");
                return 1;
            }
            parse.Out().WriteLine($"revoked {revoked.Id} '{revoked.Name}'");
            return 0;
        }));
        return command;
    }

    private static async Task<int> Run(ParseResult parse, string verb, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or HttpRequestException or TokenApiException
            or System.Data.Common.DbException or InvalidOperationException or TaskCanceledException)
        {
            await parse.Error().WriteLineAsync($"hookline token {verb}: {ex.Message}");
            return 2;
        }
    }
}
