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
        return new Command("policy", "Check, test and explain policy files") { check };
    }
}
