using System.Globalization;
using Hookline.Policy.Internal.Document;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>The outcome of one test case.</summary>
/// <param name="ExpectedDefault">The case expected no rule to decide (<c>expect: default</c>).</param>
/// <param name="ExpectedApproval">Who the case expects to answer (<c>approval:</c>: a rule id, <c>plain</c> or <c>none</c>); null when it does not say.</param>
public sealed record PolicyTestCaseResult(string Name, bool Passed, Effect Expected, Effect Actual, PolicyExplanation Explanation, bool ExpectedDefault = false, string? ExpectedApproval = null)
{
    /// <summary>Who answers the decision, as a case's <c>approval:</c> names it: the rule id, <c>plain</c> or <c>none</c>.</summary>
    public string ActualApproval => Explanation.Decision.Approval is not { } approval ? "none" : approval.RuleId.Length == 0 ? "plain" : approval.RuleId;

    /// <summary>One line for a pass, the explanation as well for a failure.</summary>
    public override string ToString() => Passed
        ? $"PASS {Name}"
        : $"FAIL {Name}: expected {Describe(Expected, ExpectedDefault)}{ApprovalText(ExpectedApproval)}, got {Describe(Actual, Explanation.Decision.IsDefault)}{ApprovalText(ExpectedApproval is null ? null : ActualApproval)}\n  " + Explanation.ToString().Replace("\n", "\n  ", StringComparison.Ordinal);

    private static string ApprovalText(string? approval) => approval is null ? "" : $" (approval: {approval})";

    private static string Describe(Effect effect, bool isDefault) =>
        isDefault ? $"default ({effect.ToString().ToLowerInvariant()})" : effect.ToString().ToLowerInvariant();
}

/// <summary>All case results of a run.</summary>
public sealed class PolicyTestReport(IReadOnlyList<PolicyTestCaseResult> results)
{
    public IReadOnlyList<PolicyTestCaseResult> Results { get; } = results;
    public int Passed => Results.Count(r => r.Passed);
    public int Failed => Results.Count(r => !r.Passed);

    /// <summary><c>N passed, M failed</c>.</summary>
    public string Summary => $"{Passed} passed, {Failed} failed";
}

/// <summary>
/// Runs a table of expected decisions (YAML or JSON) against a policy. A case is
/// <c>{name, agent, user, event | tool+input+cwd, history, expect, approval}</c>, optionally with the machine it runs on
/// (<c>home</c>, <c>cwd</c>, <c>project_dir</c>, <c>platform</c>, <c>user_homes</c>, <c>resolved</c>); see docs/policy.md.
/// The home is the case's (or the one given to Run), never the home of the process running the cases.
/// </summary>
public static class PolicyTestRunner
{
    /// <summary>Parses the cases (throwing <see cref="PolicyException"/> with positions when malformed) and runs them.</summary>
    public static PolicyTestReport Run(CompiledPolicy policy, string casesText, string source = "<cases>", string? homeDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var cases = TestCaseReader.Read(casesText, source);
        var results = new List<PolicyTestCaseResult>(cases.Count);
        foreach (var testCase in cases)
        {
            var clock = new ManualTimeProvider(testCase.History.Count > 0 ? testCase.History[0].At ?? Epoch : testCase.Event.At ?? Epoch);
            var session = new PolicySessionState(clock);
            var previous = clock.GetUtcNow().AddSeconds(-1);
            foreach (var step in testCase.History.Append(testCase.Event))
            {
                var at = step.At ?? previous.AddSeconds(1);
                clock.Set(at);
                previous = at;
                var input = step.ToInput(testCase.Context.HomeDirectory is null && homeDirectory is not null ? testCase.Context with { HomeDirectory = homeDirectory } : testCase.Context);
                if (!ReferenceEquals(step, testCase.Event))
                {
                    policy.Evaluate(input, session);
                    continue;
                }

                var explanation = policy.Explain(input, session);
                var decision = explanation.Decision;
                var expected = testCase.ExpectDefault ? policy.Document.Default : testCase.Expect;
                var result = new PolicyTestCaseResult(testCase.Name, false, expected, decision.Effect, explanation, testCase.ExpectDefault, testCase.ExpectApproval);
                var passed = decision.Effect == expected && (!testCase.ExpectDefault || decision.IsDefault)
                    && (testCase.ExpectApproval is null || testCase.ExpectApproval == result.ActualApproval);
                results.Add(result with { Passed = passed });
            }
        }

        return new PolicyTestReport(results);
    }

    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Set(DateTimeOffset now) => _now = now;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
