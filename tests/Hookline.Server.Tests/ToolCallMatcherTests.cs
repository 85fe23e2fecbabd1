using Hookline.Server.Internal.Coverage;

namespace Hookline.Server.Tests;

/// <summary>
/// Coverage matching on its own (the store runs it over the rows it holds): a call that ran with no decision in force
/// is never counted governed because of a PreToolUse that was not its own.
/// </summary>
public sealed class ToolCallMatcherTests
{
    private const string Key = "Bash\u001fH";

    private static ToolCallFact Asked(string eventId, string id, string verdict, long atMs) =>
        new(ToolCallFactKind.Asked, "s1", eventId, "Bash", id, id.Length > 0 ? "" : Key, verdict, "remote", "", atMs);

    private static ToolCallFact Ran(string eventId, string id, long atMs, string source = ToolCallFact.PostToolUse) =>
        new(ToolCallFactKind.Ran, "s1", eventId, "Bash", id, id.Length > 0 ? "" : Key, null, source, "", atMs);

    private static ToolCallMatcher Apply(params ToolCallFact[] facts)
    {
        var matcher = new ToolCallMatcher([]);
        foreach (var fact in facts)
        {
            matcher.Apply(fact);
        }
        return matcher;
    }

    // Gemini/Copilot (no id): a PreToolUse allowed whose call never ran (declined in the agent, interrupted) stays
    // queued; an identical call that runs much later with no PreToolUse at all is not its call.
    [Fact]
    public void A_later_unasked_run_is_not_matched_to_an_old_pretooluse_whose_call_never_ran()
    {
        var matcher = Apply(Asked("e1", "", "allow", 1_000), Ran("e9", "", 1_000 + ToolCallMatcher.MaxHeuristicAgeMs + 1));

        Assert.Equal([CoverageCauses.NoHook], matcher.NewlyUngoverned);
        var ran = Assert.Single(matcher.Dirty, r => r.RanEventId == "e9");
        Assert.Null(ran.PreEventId);
    }

    [Fact]
    public void A_denied_pretooluse_the_agent_obeyed_does_not_take_the_run_of_a_later_allowed_one()
    {
        var matcher = Apply(Asked("d1", "", "deny", 1), Asked("a1", "", "allow", 2), Ran("r1", "", 3));

        Assert.Empty(matcher.NewlyUngoverned);
        var ran = Assert.Single(matcher.Dirty, r => r.RanEventId == "r1");
        Assert.Equal(("a1", ToolCallRow.Governed, true), (ran.PreEventId, ran.Status, ran.Heuristic));
    }

    // Neither Gemini nor Copilot has an ask in its hooks: an ask blocks the call, so a run right after it ran although denied.
    [Theory]
    [InlineData("deny")]
    [InlineData("ask")]
    public void A_run_right_after_a_blocking_answer_without_tool_use_id_ran_although_denied(string verdict)
    {
        var matcher = Apply(Asked("a1", "", "allow", 1), Ran("r1", "", 2), Asked("d1", "", verdict, 3), Ran("r2", "", 4));

        Assert.Equal([CoverageCauses.RanAlthoughDenied], matcher.NewlyUngoverned);
        Assert.Equal("d1", Assert.Single(matcher.Dirty, r => r.RanEventId == "r2").PreEventId);
    }

    [Fact]
    public void Identical_allowed_calls_asked_together_are_governed_in_order()
    {
        var matcher = Apply(Asked("a1", "", "allow", 1), Asked("a2", "", "allow", 1), Ran("r1", "", 2), Ran("r2", "", 2));

        Assert.Empty(matcher.NewlyUngoverned);
        Assert.Equal([("a1", "r1"), ("a2", "r2")], matcher.Dirty.OrderBy(r => r.RanEventId).Select(r => (r.PreEventId, r.RanEventId)));
    }

    // An id the model API chose (Codex call_id), reused: the second call ran with no PreToolUse of its own.
    [Fact]
    public void A_second_run_under_a_reused_tool_use_id_is_not_hidden()
    {
        var matcher = Apply(Asked("e1", "call_1", "allow", 1), Ran("e2", "call_1", 2), Ran("e3", "call_1", 3));

        Assert.Equal([CoverageCauses.ReusedToolUseId], matcher.NewlyUngoverned);
        Assert.Equal([("e2", ToolCallRow.Governed), ("e3", ToolCallRow.Ungoverned)],
            matcher.Dirty.Where(r => r.RanEventId is not null).OrderBy(r => r.RanEventId).Select(r => (r.RanEventId, r.Status)));
    }

    [Fact]
    public void One_call_reported_again_or_by_both_its_PostToolUse_and_the_transcript_stays_one_call()
    {
        var postFirst = Apply(Asked("e1", "call_1", "allow", 1), Ran("e2", "call_1", 2), Ran("e5", "call_1", 5, "transcript"),
            Ran("e2", "call_1", 2), Ran("e7", "call_1", 7, "transcript"));
        var transcriptFirst = Apply(Asked("e1", "call_1", "allow", 1), Ran("e5", "call_1", 5, "transcript"), Ran("e2", "call_1", 2));

        Assert.Empty(postFirst.NewlyUngoverned.Concat(transcriptFirst.NewlyUngoverned));
        var call = Assert.Single(postFirst.Dirty);
        Assert.Equal(("e2", ToolCallRow.Governed), (call.RanEventId, call.Status));
        call = Assert.Single(transcriptFirst.Dirty);
        Assert.Equal(("e5", ToolCallRow.Governed), (call.RanEventId, call.Status));
    }
}
