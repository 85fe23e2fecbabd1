namespace Hookline.EndToEnd.Tests;

/// <summary>
/// The policy corpora in <c>tests/corpus</c>, run through the published <c>hookline policy test</c> against the careful
/// admin's policy: <c>evasion/</c> tries to get around its rules, <c>everyday/</c> is ordinary agent work it must not
/// get in the way of.
/// </summary>
public sealed class PolicyCorpusTests
{
    private static string Corpus => Path.Combine(Repository.Root, "tests", "corpus");

    public static TheoryData<string> CaseFiles()
    {
        var data = new TheoryData<string>();
        foreach (var folder in new[] { "evasion", "everyday" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Corpus, folder), "*.yaml").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(Corpus, file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseFiles))]
    public async Task Every_case_of_the_corpus_gets_the_decision_a_careful_admin_wants(string caseFile)
    {
        var run = await CliRun.RunAsync(["policy", "test", Path.Combine(Corpus, "admin-policy.yaml"), Path.Combine(Corpus, caseFile)]);

        var failures = string.Join('\n', run.Stdout.Split('\n').Where(l => !l.StartsWith("PASS ", StringComparison.Ordinal)));
        Assert.True(run.Exit == 0, $"{caseFile}: exit {run.Exit}\n{failures}\n{run.Stderr}");
        Assert.Matches(@"^[1-9][0-9]* passed, 0 failed$", run.Stdout.TrimEnd().Split('\n')[^1]);
    }
}
