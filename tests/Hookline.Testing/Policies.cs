namespace Hookline.Testing;

/// <summary>The policies the tests share.</summary>
public static class Policies
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
            reason: "Pushing needs a human"
          - id: git-status
            effect: allow
            match: "Bash(git status)"
        """;

    /// <summary>Standard with one more deny rule: an accepted edit.</summary>
    public const string Edited = Standard + """

          - id: no-curl
            effect: deny
            match: "Bash(curl *)"
            reason: "No downloads"
        """;
}
