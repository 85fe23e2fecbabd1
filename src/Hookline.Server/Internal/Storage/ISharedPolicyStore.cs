using Hookline.Server.Internal.Storage.Postgres;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// A store that holds the policy for every replica (PostgreSQL). The policy in force is the newest epoch in the
/// database, not a file: <c>hookline policy apply</c> adds epochs, and replicas learn of them by notification.
/// </summary>
internal interface ISharedPolicyStore
{
    /// <summary>
    /// Stores a document as the newest epoch, under a lock so that replicas agree on the order. With
    /// <paramref name="onlyIfNone"/>, a database that already holds a policy keeps it and returns that one.
    /// </summary>
    StoredPolicy AcceptPolicy(string hash, string document, string source, string appliedBy, long nowMs, bool onlyIfNone);

    StoredPolicy? LatestPolicy();
}
