using Hookline.Policy;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Tests;

public abstract partial class StoreContractTests
{
    [SkippableFact]
    public async Task Two_state_writes_of_one_session_in_one_batch_keep_both_changes()
    {
        var store = await OpenAsync();
        var session = Guid.NewGuid().ToString();
        store.WriteBatch([], 1, [new SessionStateWrite(session, PolicySessionMemory.Create(["earlier"], 0, [], [], []))]);

        store.WriteBatch([], 2, [
            new SessionStateWrite(session, PolicySessionMemory.Create(["secrets"], 0, [], [], [])),
            new SessionStateWrite(session, PolicySessionMemory.Create(["prod"], 0, [], [], [])),
        ]);

        var state = await store.LoadSessionStateAsync(session);
        Assert.Equal(["earlier", "prod", "secrets"], state!.Taints.Order(StringComparer.Ordinal).ToArray());
    }
}
