namespace Hookline.Sidecar.Tests;

internal static class Policies
{
    /// <summary>The policy of the stream-core issue, plus one explicit allow.</summary>
    public const string Standard = """
        version: 1
        default: allow
        rules:
          - id: no-force-delete
            effect: deny
            match: "Bash(rm -rf *)"
            reason: "Recursive force delete is blocked"
          - id: confirm-push
            effect: ask
            match: ["Bash(git push *)"]
          - id: git-status
            effect: allow
            match: "Bash(git status)"
        """;
}
