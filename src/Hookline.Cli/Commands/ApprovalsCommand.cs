using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hookline.Cli.Clients;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Core;
using Hookline.Server;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline approvals list|approve|deny</c>: the asks waiting for a person, answered from the terminal through a
/// running server's API (<c>/api/approvals</c>), with a token of scope approve (read may list). The answer is recorded
/// with channel <c>cli</c>. Exit 0 when answered; 1 with the server's message when it refused; 2 when it was not reached.
/// </summary>
internal static class ApprovalsCommand
{
    public static Command Create()
    {
        var command = new Command("approvals", "List the approvals waiting for a person, and approve or deny them, on a running server");
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(AnswerCommand(approve: true));
        command.Subcommands.Add(AnswerCommand(approve: false));
        return command;
    }

    /// <summary>The server and the credential, as every client command takes them.</summary>
    private sealed class Target
    {
        public Option<string?> Server { get; } = Make();

        public (Option<string?> File, Option<string?> Legacy) Token { get; } = CommonOptions.Token("Bearer token of scope approve (read may also list)");

        public ClientTlsFlags Tls { get; } = new();

        private static Option<string?> Make()
        {
            var server = ApiClient.ServerOption(required: true);
            server.Description = $"Base URL of a running server's HTTP/1.1 port (its --http-listen), default {ApiClient.DefaultUrl}";
            server.DefaultValueFactory = _ => ApiClient.DefaultUrl;
            return server;
        }

        public void AddTo(Command command)
        {
            command.Options.Add(Server);
            command.Options.Add(Token.File);
            command.Options.Add(Token.Legacy);
            Tls.AddTo(command);
        }

        public ApiClient Client(ParseResult parse)
            => new(parse.GetValue(Server)!, Tls.Load(parse), token: CommonOptions.TokenValue(parse, Token));
    }

    private static Command ListCommand()
    {
        var target = new Target();
        var all = new Option<bool>("--all") { Description = "Every approval, answered and timed out too (else only the pending ones)" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line" };
        var command = new Command("list", "The approvals waiting for an answer: what, who asks, who may answer, time left") { all, json };
        target.AddTo(command);
        command.SetAction((parse, cancellationToken) => AuditCommands.GuardAsync(parse, async () =>
        {
            parse = target.Tls.WithConfig(parse, command);
            var showAll = parse.GetValue(all);
            using var api = target.Client(parse);
            var approvals = await api.GetAsync($"api/approvals?status={(showAll ? "all" : ApprovalProtocol.StatusPending)}&limit=1000",
                ApprovalJsonContext.Default.ListApprovalView, cancellationToken);
            if (parse.GetValue(json))
            {
                foreach (var approval in approvals)
                {
                    parse.Out().WriteLine(JsonSerializer.Serialize(approval, ApprovalJsonContext.Default.ApprovalView));
                }
                return 0;
            }
            Write(parse.Out(), approvals, showAll, TimeProvider.System.GetUtcNow());
            return 0;
        }));
        return command;
    }

    private static Command AnswerCommand(bool approve)
    {
        var target = new Target();
        var id = new Argument<string>("id") { Description = "The approval's id (from hookline approvals list)" };
        var reason = new Option<string?>("--reason")
        {
            Description = approve ? "Why, recorded in the audit trail" : "Why (required): recorded in the audit trail and told to the agent",
            Required = !approve,
        };
        var verb = approve ? "approve" : "deny";
        var command = new Command(verb, approve ? "Approve a pending request: the agent's call runs" : "Deny a pending request, with a reason the agent is told")
        {
            id, reason,
        };
        target.AddTo(command);
        command.SetAction((parse, cancellationToken) => AuditCommands.GuardAsync(parse, async () =>
        {
            parse = target.Tls.WithConfig(parse, command);
            var why = parse.GetValue(reason);
            if (!approve && string.IsNullOrWhiteSpace(why))
            {
                await parse.Error().WriteLineAsync("hookline approvals deny: --reason must say why (the agent is told)");
                return 2;
            }
            using var api = target.Client(parse);
            var (status, body) = await api.PostAsync($"api/approvals/{Uri.EscapeDataString(parse.GetValue(id)!)}/{verb}",
                new ApprovalAnswerRequest(why, ApprovalProtocol.ChannelCli), ApprovalJsonContext.Default.ApprovalAnswerRequest, cancellationToken);
            var answer = AnswerOf(body);
            if (answer is { Outcome: "answered", Approval: { } approval })
            {
                parse.Out().WriteLine($"{approval.Status} {TerminalText.Safe(approval.Id)}: {TerminalText.Safe(approval.ToolName)} " +
                    $"{TerminalText.Safe(approval.Subject)} (answered by {TerminalText.Safe(approval.AnsweredBy)})");
                return 0;
            }
            await parse.Error().WriteLineAsync($"hookline approvals {verb}: the server answered {(int)status}: " +
                TerminalText.Safe(answer is null ? body.Trim() : $"{answer.Message} ({answer.Outcome})"));
            return 1;
        }));
        return command;
    }

    /// <summary>The server's answer, or null when the body is not one (an authentication refusal is plain text).</summary>
    private static ApprovalAnswerView? AnswerOf(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, ApprovalJsonContext.Default.ApprovalAnswerView);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Write(TextWriter output, List<ApprovalView> approvals, bool all, DateTimeOffset now)
    {
        if (approvals.Count == 0)
        {
            output.WriteLine(all ? "no approvals" : "no pending approvals");
            return;
        }
        output.WriteLine($"{"id",-24} {"tool",-10} {"user",-14} {"agent",-8} {"rule",-18} {"may answer",-24} {(all ? "status" : "time left"),-12} subject");
        foreach (var a in approvals)
        {
            var state = a.Status == ApprovalProtocol.StatusPending ? Left(a.ExpiresAt - now)
                : a.AnsweredBy is { Length: > 0 } by ? $"{a.Status} by {by}" : a.Status;
            output.WriteLine(TerminalText.Safe($"{a.Id,-24} {a.ToolName,-10} {a.User,-14} {a.Agent,-8} {a.RuleId,-18} " +
                $"{string.Join(',', a.Approvers),-24} {state,-12} {a.Subject}"));
        }
    }

    /// <summary>Time left, to the second: <c>1m52s</c>, <c>40s</c>, or <c>expired</c>.</summary>
    internal static string Left(TimeSpan left) => left <= TimeSpan.Zero ? "expired"
        : left.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalMinutes}m{left.Seconds:00}s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Ceiling(left.TotalSeconds)}s");
}
