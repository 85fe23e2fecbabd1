using System.CommandLine;
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
                Console.WriteLine($"{path}: valid; {document.Rules.Count} rules, default {document.Default.ToString().ToLowerInvariant()}, mode {document.Mode.ToString().ToLowerInvariant()}, sha256 {document.Hash[..12]}");
                return 0;
            }
            catch (PolicyException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"{path}: {ex.Message}");
                return 2;
            }
        });
        var testFile = new Argument<string>("file") { Description = "Policy file (YAML or JSON)" };
        var cases = new Argument<string>("cases") { Description = "Table of cases with expected decisions (YAML or JSON)" };
        var test = new Command("test", "Run a table of expected decisions against a policy; exit 1 when any case fails") { testFile, cases };
        test.SetAction(parse => Guard(parse.GetValue(testFile)!, path =>
        {
            var policy = CompiledPolicy.Load(File.ReadAllText(path), path);
            var casesPath = parse.GetValue(cases)!;
            var report = PolicyTestRunner.Run(policy, File.ReadAllText(casesPath), casesPath);
            foreach (var result in report.Results)
            {
                Console.WriteLine(result);
            }
            Console.WriteLine(report.Summary);
            return report.Failed == 0 ? 0 : 1;
        }));

        var explainFile = new Argument<string>("file") { Description = "Policy file (YAML or JSON)" };
        var eventFile = new Argument<string>("event") { Description = "A hook event as the agent writes it on stdin (JSON); - reads stdin" };
        var agent = new Option<string?>("--agent") { Description = "The agent the event came from (for agent filters)" };
        var explain = new Command("explain", "Show how a policy decides one hook event: sub-commands, paths, every matching rule")
        {
            explainFile, eventFile, agent,
        };
        explain.SetAction(parse => Guard(parse.GetValue(explainFile)!, path =>
        {
            var policy = CompiledPolicy.Load(File.ReadAllText(path), path);
            var eventPath = parse.GetValue(eventFile)!;
            var json = eventPath == "-" ? Console.In.ReadToEnd() : File.ReadAllText(eventPath);
            using var document = System.Text.Json.JsonDocument.Parse(json);
            var input = HookEventReader.FromJson(document.RootElement, parse.GetValue(agent));
            var explanation = policy.Explain(input);
            Console.WriteLine(explanation);
            return 0;
        }));
        return new Command("policy", "Check, test and explain policy files") { check, test, explain };
    }

    /// <summary>Turns the errors a policy author can make into messages and exit codes instead of stack traces.</summary>
    private static int Guard(string path, Func<string, int> body)
    {
        try
        {
            return body(path);
        }
        catch (PolicyException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or ArgumentException)
        {
            Console.Error.WriteLine($"{path}: {ex.Message}");
            return 2;
        }
    }
}
