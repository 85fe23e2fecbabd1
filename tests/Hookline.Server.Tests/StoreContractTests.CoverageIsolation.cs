using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>Coverage of one session must not depend on what another session of the batch holds.</summary>
public abstract partial class StoreContractTests
{
    [SkippableFact]
    public async Task A_run_without_tool_use_id_is_matched_to_its_own_ask_however_many_asks_another_session_of_the_batch_left_waiting()
    {
        var store = await OpenAsync();
        var (victim, other) = (await AcmeSessionAsync(store), await AcmeSessionAsync(store));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        HookEvent Call(string session, string command, long atMs, bool asked)
        {
            var e = Events.Bash(command, session, decisionWanted: asked);
            e.Agent = "gemini";
            e.ToolUseId = "";
            e.Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(atMs));
            return e;
        }

        // The other session (another token's, say) asks the same call 4,096 times, 20 minutes ago (its own claimed
        // time), and never runs it; the victim asks once, a minute ago.
        var flood = Enumerable.Range(0, 4096).Select(i => Record(Call(other, "true", now - 20 * 60_000 + i, asked: true))).ToList();
        store.WriteBatch(flood);
        store.WriteBatch([Record(Call(victim, "git status", now - 60_000, asked: true))]);

        // Both run their call in the same batch.
        var outcome = store.WriteBatch(
            [Record(Call(other, "true", now, asked: false)), Record(Call(victim, "git status", now, asked: false))], now);

        Assert.Empty(outcome.Ungoverned);
    }
}
