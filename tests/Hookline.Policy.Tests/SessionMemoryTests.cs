using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>A session exported and imported elsewhere decides on exactly as the original would have.</summary>
public class SessionMemoryTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        default: allow
        escalate: {after_denials: 3, effect: ask, within: 10m}
        taints:
          - label: secrets
            on: ["Read(**/.env)"]
        rules:
          - {id: no-egress-after-secrets, effect: deny, match: ["Bash(curl *)", WebFetch], when: {field: tainted, equals: secrets}}
          - {id: fetch-rate, effect: deny, match: WebFetch, rate: {max: 2, per: 60s}}
          - {id: ls-rate, effect: ask, match: "Bash(ls *)", rate: {max: 3, per: 5m}}
          - {id: no-rm, effect: deny, match: "Bash(rm *)"}
          - {id: many-denials, effect: deny, match: "Bash(git *)", when: {field: session.denials, ge: 5}}
        """);

    private static readonly Func<string, PolicyInput>[] Steps =
    [
        id => Tool("Bash", new { command = "ls" }, toolUseId: id),
        id => Tool("Bash", new { command = "ls" }, toolUseId: id, hookEvent: "PermissionRequest"),
        id => Tool("Bash", new { command = "rm x" }, toolUseId: id),
        id => Tool("Bash", new { command = "git status" }, toolUseId: id),
        id => Tool("Bash", new { command = "curl https://x.org" }, toolUseId: id),
        id => Tool("WebFetch", new { url = "https://x.org" }, toolUseId: id),
        id => Tool("Read", new { file_path = "src/.env" }, toolUseId: id),
        id => Tool("Read", new { file_path = "src/a.cs" }, toolUseId: id),
        id => Tool("Bash", new { command = "ls" }, toolUseId: id, hookEvent: "PostToolUse"),
    ];

    /// <summary>One step: which event, the tool_use id (a small pool, so pairs and repeats happen), and seconds to wait before it.</summary>
    private static Gen<(int Step, int Id, int Wait)> Step() =>
        from step in Gen.Choose(0, Steps.Length - 1)
        from id in Gen.Choose(0, 20)
        from wait in Gen.Elements(0, 1, 5, 30, 90, 400)
        select (step, id, wait);

    [Property(MaxTest = 300)]
    public Property A_session_imported_from_an_export_decides_like_the_original_from_there_on() =>
        Prop.ForAll(
            (from before in Gen.ListOf(Step(), 25) from after in Gen.ListOf(Step(), 25) select (before, after)).ToArbitrary(),
            run =>
            {
                var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
                var original = new PolicySessionState(time);
                foreach (var (step, id, wait) in run.before)
                {
                    time.Advance(TimeSpan.FromSeconds(wait));
                    Policy.Evaluate(Steps[step]("t" + id), original);
                }

                var copy = new PolicySessionState(time);
                copy.Import(original.Export());
                foreach (var (step, id, wait) in run.after)
                {
                    time.Advance(TimeSpan.FromSeconds(wait));
                    var expected = Policy.Evaluate(Steps[step]("t" + id), original);
                    var actual = Policy.Evaluate(Steps[step]("t" + id), copy);
                    if (expected.Effect != actual.Effect || expected.ReasonCode != actual.ReasonCode)
                    {
                        return false;
                    }
                }
                return Same(original.Export(), copy.Export());
            });

    [Property(MaxTest = 200)]
    public Property Merging_is_order_free_and_merging_twice_changes_nothing() =>
        Prop.ForAll(Memory().ToArbitrary(), Memory().ToArbitrary(), (a, b) =>
            Same(a.Merge(b), b.Merge(a)) && Same(a.Merge(b).Merge(b), a.Merge(b)) && Same(a.Merge(a), a));

    [Fact]
    public void Importing_its_own_export_changes_nothing_and_a_later_copy_of_itself_wins()
    {
        var time = new FakeTimeProvider();
        var session = new PolicySessionState(time);
        Policy.Evaluate(Tool("WebFetch", new { url = "https://x.org" }, toolUseId: "a"), session);
        Policy.Evaluate(Tool("Bash", new { command = "rm x" }, toolUseId: "b"), session);
        var early = session.Export();
        time.Advance(TimeSpan.FromSeconds(1));
        Policy.Evaluate(Tool("WebFetch", new { url = "https://x.org" }, toolUseId: "c"), session);
        Policy.Evaluate(Tool("Bash", new { command = "rm y" }, toolUseId: "d"), session);
        var late = session.Export();

        session.Import(early);
        session.Import(late);
        Assert.True(Same(late, session.Export()));
        Assert.True(Same(late, early.Merge(late)));
        Assert.Equal(2, late.DenialCount);
        Assert.Equal(["a", "b", "c", "d"], late.ToolUseIds.ToArray());
        Assert.Equal(2, Assert.Single(late.RateHits).Hits.Length);
    }

    [Fact]
    public void Only_new_taints_denials_and_rate_hits_count_as_changes_so_plain_allows_never_need_saving()
    {
        var session = new PolicySessionState(new FakeTimeProvider());
        Policy.Evaluate(Tool("Read", new { file_path = "src/a.cs" }, toolUseId: "1"), session);
        Policy.Evaluate(Tool("Bash", new { command = "git status" }, toolUseId: "2"), session);
        Assert.Equal(0, session.Changes);
        Assert.True(session.Export().Taints.IsEmpty);

        Policy.Evaluate(Tool("Read", new { file_path = "src/.env" }, toolUseId: "3"), session);
        Assert.Equal(1, session.Changes);
        Policy.Evaluate(Tool("Read", new { file_path = "x/.env" }, toolUseId: "4"), session);
        Assert.Equal(1, session.Changes);
        Policy.Evaluate(Tool("Bash", new { command = "ls" }, toolUseId: "5"), session);
        Assert.Equal(2, session.Changes);
        Policy.Evaluate(Tool("Bash", new { command = "rm x" }, toolUseId: "6"), session);
        Assert.Equal(3, session.Changes);
    }

    [Fact]
    public void A_memory_is_cut_to_its_bounds_keeping_the_newest_and_dropping_overlong_text()
    {
        var start = DateTimeOffset.UnixEpoch;
        var times = Enumerable.Range(0, 5000).Select(i => start.AddSeconds(i)).Reverse().ToList();
        var memory = PolicySessionMemory.Create(
            Enumerable.Range(0, 1000).Select(i => $"label{i:D4}").Append(new string('x', PolicySessionMemory.MaxTextLength + 1)).Append(""),
            denialCount: 3,
            times,
            Enumerable.Range(0, 300).Select(i => new PolicyRateHits($"rule{i:D3}", [.. times])),
            Enumerable.Range(0, 100).Select(i => "toolu_" + i));

        Assert.Equal(PolicySessionMemory.MaxTaints, memory.Taints.Length);
        Assert.Equal("label0000", memory.Taints[0]);
        Assert.Equal(PolicySessionMemory.MaxDenialTimes, memory.Denials.Length);
        Assert.Equal(start.AddSeconds(4999), memory.Denials[^1]);
        Assert.Equal(start.AddSeconds(5000 - PolicySessionMemory.MaxDenialTimes), memory.Denials[0]);
        Assert.Equal(PolicySessionMemory.MaxDenialTimes, memory.DenialCount);
        Assert.Equal(PolicySessionMemory.MaxRateRules, memory.RateHits.Length);
        Assert.All(memory.RateHits, r => Assert.Equal(PolicySessionMemory.MaxHitsPerRule, r.Hits.Length));
        Assert.Equal(Enumerable.Range(36, 64).Select(i => "toolu_" + i).ToArray(), memory.ToolUseIds.ToArray());
    }

    [Fact]
    public void A_long_session_keeps_its_total_denial_count_beyond_the_times_it_remembers()
    {
        var time = new FakeTimeProvider();
        var session = new PolicySessionState(time);
        for (var i = 0; i < 3000; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Policy.Evaluate(Tool("Bash", new { command = "rm x" }, toolUseId: "r" + i), session);
        }

        var memory = session.Export();
        Assert.Equal(3000, session.Denials);
        Assert.Equal(3000, memory.DenialCount);
        Assert.Equal(PolicySessionMemory.MaxDenialTimes, memory.Denials.Length);
        var copy = new PolicySessionState(time);
        copy.Import(memory);
        Assert.Equal(3000, copy.Denials);
    }

    private static Gen<PolicySessionMemory> Memory()
    {
        var times = Gen.ListOf(Gen.Choose(0, 50).Select(s => DateTimeOffset.UnixEpoch.AddSeconds(s)), 8);
        return from taints in Gen.ListOf(Gen.Elements("a", "b", "c", "d"), 3)
               from count in Gen.Choose(0, 20)
               from denials in times
               from rates in Gen.ListOf(from id in Gen.Elements("r1", "r2", "r3") from hits in times select new PolicyRateHits(id, [.. hits]), 3)
               from ids in Gen.ListOf(Gen.Elements("t1", "t2", "t3", "t4"), 4)
               select PolicySessionMemory.Create(taints, count, denials, rates, ids);
    }

    /// <summary>Equal content; tool_use ids as a set (their order only decides which are dropped first at the bound).</summary>
    private static bool Same(PolicySessionMemory a, PolicySessionMemory b) =>
        a.Taints.SequenceEqual(b.Taints)
        && a.DenialCount == b.DenialCount
        && a.Denials.SequenceEqual(b.Denials)
        && a.RateHits.Length == b.RateHits.Length
        && a.RateHits.Zip(b.RateHits).All(p => p.First.RuleId == p.Second.RuleId && p.First.Hits.SequenceEqual(p.Second.Hits))
        && a.ToolUseIds.ToHashSet().SetEquals(b.ToolUseIds);
}
