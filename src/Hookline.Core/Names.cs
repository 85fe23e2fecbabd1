using Hookline.Contracts.V1;

namespace Hookline.Core;

/// <summary>The lower-case names the audit trail stores and the logs print.</summary>
public static class Names
{
    public static string Of(Verdict verdict) => verdict switch
    {
        Verdict.Allow => "allow",
        Verdict.Deny => "deny",
        Verdict.Ask => "ask",
        Verdict.Pending => "pending",
        _ => "unspecified",
    };

    public static string Of(DecisionSource source) => source switch
    {
        DecisionSource.Remote => "remote",
        DecisionSource.Local => "local",
        DecisionSource.FailClosed => "fail_closed",
        DecisionSource.FailOpen => "fail_open",
        DecisionSource.Hook => "hook",
        DecisionSource.NonBlocking => "non_blocking",
        DecisionSource.MalformedInput => "malformed_input",
        DecisionSource.Approval => "approval",
        DecisionSource.ApprovalTimeout => "approval_timeout",
        _ => "unspecified",
    };
}
