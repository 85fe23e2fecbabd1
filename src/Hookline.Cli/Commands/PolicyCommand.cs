using System.CommandLine;
using Hookline.Cli.Clients;
using Hookline.Cli.Output;
using Hookline.Policy;

namespace Hookline.Cli.Commands;

/// <summary><c>hookline policy check|test|explain</c>: tools for policy authors.</summary>
internal static class PolicyCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Policy file (YAML or JSON)" };
        var check = new Command("check", "Validate a policy file; every error with its line and column") { file };
        check.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            try
            {
                var policy = CompiledPolicy.Load(File.ReadAllText(path), path);
                var document = policy.Document;
                parse.Out().WriteLine($"{path}: valid; {document.Rules.Count} rules, default {document.Default.ToString().ToLowerInvariant()}, mode {document.Mode.ToString().ToLowerInvariant()}, sha256 {document.Hash[..12]}");
                foreach (var note in PolicyNotes.Of(policy, path))
                {
                    parse.Out().WriteLine(note);
                }

                return 0;
            }
            catch (PolicyException ex)
            {
                parse.Error().WriteLine(ex.Message);
                return 1;
            }
            catch (IOException ex)
            {
                parse.Error().WriteLine($"{path}: {ex.Message}");
                return 2;
            }
        });
        var testFile = new Argument<string>("file") { Description = "Policy file (YAML or JSON)" };
        var cases = new Argument<string>("cases") { Description = "Table of cases with expected decisions (YAML or JSON)" };
        var test = new Command("test", "Run a table of expected decisions against a policy; exit 1 when any case fails") { testFile, cases };
        test.SetAction(parse => Guard(parse, parse.GetValue(testFile)!, path =>
        {
            var policy = CompiledPolicy.Load(File.ReadAllText(path), path);
            var casesPath = parse.GetValue(cases)!;
            var report = PolicyTestRunner.Run(policy, File.ReadAllText(casesPath), casesPath);
            foreach (var result in report.Results)
            {
                parse.Out().WriteLine(result);
            }
            parse.Out().WriteLine(report.Summary);
            return report.Failed == 0 ? 0 : 1;
        }));

        var explainFile = new Argument<string>("file") { Description = "Policy file (YAML or JSON)" };
        var eventFile = new Argument<string>("event") { Description = "A hook event as the agent writes it on stdin (JSON); - reads stdin" };
        var agent = new Option<string?>("--agent") { Description = "The agent the event came from (for agent filters)" };
        var asJson = new Option<bool>("--json") { Description = "Print the decision and its explanation as JSON" };
        var home = new Option<string?>("--home") { Description = "The agent user's home, for ~ in path rules (default: unknown, never this process's home)" };
        var projectDir = new Option<string?>("--project-dir") { Description = "The session's project root, where ./ and / in path rules anchor (default: the event's cwd)" };
        var platform = new Option<string?>("--platform") { Description = "The agent's platform: linux, macos or windows (macos and windows compare paths ignoring case)" };
        var explain = new Command("explain", "Show how a policy decides one hook event: sub-commands, paths, every matching rule")
        {
            explainFile, eventFile, agent, asJson, home, projectDir, platform,
        };
        explain.SetAction(parse => Guard(parse, parse.GetValue(explainFile)!, path =>
        {
            var policy = CompiledPolicy.Load(File.ReadAllText(path), path);
            var eventPath = parse.GetValue(eventFile)!;
            var json = eventPath == "-" ? Console.In.ReadToEnd() : File.ReadAllText(eventPath);
            using var document = System.Text.Json.JsonDocument.Parse(json);
            var input = HookEventReader.FromJson(document.RootElement, new HookContext
            {
                Agent = parse.GetValue(agent),
                HomeDirectory = parse.GetValue(home),
                ProjectDirectory = parse.GetValue(projectDir),
                CaseInsensitivePaths = parse.GetValue(platform) switch
                {
                    null or "linux" => false,
                    "macos" or "windows" => true,
                    var other => throw new ArgumentException($"--platform: expected linux, macos or windows, got '{other}'"),
                },
            });
            var explanation = policy.Explain(input);
            var rewrite = RewriteExplanation.For(policy, explanation.Decision, input);
            var subject = explanation.Decision.Approval is null ? null : ApprovalSubject.Of(input);
            var text = subject is null ? explanation.ToString() : $"{explanation}\napproves: {subject.Subject}";
            parse.Out().WriteLine(parse.GetValue(asJson) ? ExplanationJson.Write(explanation, rewrite, subject)
                : rewrite is null ? text : text + "\n" + rewrite.Text());
            return 0;
        }));

        var settings = new Argument<string>("settings") { Description = "A Claude Code settings.json with permissions.allow/ask/deny" };
        var import = new Command("import-claude", "Turn the permission rules of Claude Code settings into a policy document (printed)") { settings };
        import.SetAction(parse => Guard(parse, parse.GetValue(settings)!, path =>
        {
            parse.Out().Write(ClaudeSettingsImporter.ToPolicyYaml(File.ReadAllText(path)));
            return 0;
        }));

        var candidate = new Argument<string>("file") { Description = "The candidate policy" };
        var data = new Option<string>("--data")
        {
            Description = "Directory of the server's audit trail (hookline.db)",
            DefaultValueFactory = _ => Hookline.Server.HooklineServerOptions.DefaultDataDirectory(),
        };
        var since = new Option<string>("--since") { Description = "How far back: 30m, 24h, 7d", DefaultValueFactory = _ => "7d" };
        var server = ApiClient.ServerOption();
        var replay = new Command("replay", "Re-decide stored events under a candidate policy and list every decision that would change")
        {
            candidate, data, server, since,
        };
        var tls = new ClientTlsFlags();
        tls.AddTo(replay);
        replay.SetAction(parse => Guard(parse, parse.GetValue(candidate)!, path =>
        {
            parse = tls.WithConfig(parse, replay);
            var policy = CompiledPolicy.Load(File.ReadAllText(path), path);
            var window = ParseWindow(parse.GetValue(since)!);
            int replayed;
            List<PolicyReplay.Change> changes;
            if (parse.GetValue(server) is { } url)
            {
                using var api = new ApiClient(url, tls.Load(parse));
                var rows = PolicyReplay.ReadApiAsync(api, TimeProvider.System.GetUtcNow() - window, CancellationToken.None).GetAwaiter().GetResult();
                (replayed, changes) = PolicyReplay.Run(policy, rows, TimeProvider.System);
            }
            else
            {
                var database = Path.Combine(parse.GetValue(data)!, "hookline.db");
                if (!File.Exists(database))
                {
                    parse.Error().WriteLine($"{database}: no audit trail there");
                    return 2;
                }
                (replayed, changes) = PolicyReplay.Run(policy, database, window, TimeProvider.System);
            }
            foreach (var change in changes)
            {
                parse.Out().WriteLine($"{change.Time:u} {change.Agent} {change.Tool}: {change.Before} -> {change.After}" +
                    $"{(change.Rules.Length > 0 ? " [" + change.Rules + "]" : "")} {change.Subject}");
            }
            parse.Out().WriteLine($"{replayed} events replayed, {changes.Count} decisions would change");
            return 0;
        }));
        return new Command("policy", "Check, test, explain, import, replay and apply policy files") { check, test, explain, import, replay, PolicyApplyCommand.Create() };
    }

    /// <summary>A duration such as 30m, 24h or 7d; <paramref name="option"/> names the option in the error.</summary>
    internal static TimeSpan ParseWindow(string text, string option = "--since")
    {
        if (text.Length >= 2 && double.TryParse(text[..^1], System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            switch (text[^1])
            {
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }
        throw new ArgumentException($"{option}: expected a duration like 30m, 24h or 7d, got '{text}'");
    }

    /// <summary>Turns the errors a policy author can make into messages and exit codes instead of stack traces.</summary>
    private static int Guard(ParseResult parse, string path, Func<string, int> body)
    {
        try
        {
            return body(path);
        }
        catch (PolicyException ex)
        {
            parse.Error().WriteLine(ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or ArgumentException
            or Microsoft.Data.Sqlite.SqliteException or HttpRequestException or TaskCanceledException)
        {
            parse.Error().WriteLine($"{path}: {ex.Message}");
            return 2;
        }
    }
}
