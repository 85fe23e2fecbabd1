using Hookline.Policy;
using Hookline.Server.Internal.Storage;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Decisions;

/// <summary>
/// Holds the snapshot in force and swaps it atomically on reload. A document that fails validation never replaces
/// the one in force. Subscribers (one per open stream) are told of every accepted snapshot.
/// </summary>
internal sealed class PolicyHolder : IDisposable
{
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _file;
    private readonly Lock _reloadLock = new();
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;
    private PolicySnapshot _current;

    public PolicyHolder(IAuditStore store, TimeProvider time, ILogger<PolicyHolder> logger, string? file)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _file = file is null ? null : Path.GetFullPath(file);
        // At start a broken file is fatal: there is no previous snapshot to keep.
        var text = _file is null ? DefaultPolicy.Yaml : File.ReadAllText(_file);
        var compiled = CompiledPolicy.Load(text, Source);
        if (store is ISharedPolicyStore shared)
        {
            // The database's policy wins: the file only seeds an empty database.
            var stored = shared.AcceptPolicy(compiled.Document.Hash, compiled.Document.Text, Source, "replica start",
                _time.GetUtcNow().ToUnixTimeMilliseconds(), onlyIfNone: true);
            _current = stored.Hash == compiled.Document.Hash
                ? Install(stored.Epoch, compiled, stored.Source)
                : Install(stored.Epoch, CompiledPolicy.Load(stored.Document, $"epoch {stored.Epoch}"), stored.Source);
        }
        else
        {
            _current = Accept(compiled);
        }
    }

    private string Source => _file ?? "<built-in default>";

    /// <summary>True when the policy lives in a database shared by replicas, not in the file.</summary>
    public bool Shared => _store is ISharedPolicyStore;

    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Raised after a new snapshot is in force.</summary>
    public event Action<PolicySnapshot>? Changed;

    public void Watch()
    {
        if (_file is null || Shared)
        {
            return;
        }
        _debounce = _time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_file)!, Path.GetFileName(_file))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        // Editors save by writing, truncating or renaming; wait for the burst of events to settle.
        FileSystemEventHandler onChange = (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(150), Timeout.InfiniteTimeSpan);
        _watcher.Changed += onChange;
        _watcher.Created += onChange;
        _watcher.Renamed += (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(150), Timeout.InfiniteTimeSpan);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Re-reads the policy file. Returns false, and keeps the snapshot in force, when it is refused.</summary>
    public bool Reload()
    {
        if (_file is null || Shared)
        {
            return false;
        }
        lock (_reloadLock)
        {
            string text;
            try
            {
                text = File.ReadAllText(_file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // UnauthorizedAccessException (no read permission, or the path is now a directory) is not an
                // IOException; escaping from the file watcher's timer callback it would take the server down.
                Log.PolicyUnreadable(_logger, ex, _file, Current.Epoch);
                return false;
            }
            if (PolicyDocument.TryParse(text, _file, out var document, out var errors) is false)
            {
                Log.PolicyRefused(_logger, _file, Current.Epoch, string.Join('\n', errors));
                return false;
            }
            if (document.Hash == Current.Policy.Document.Hash)
            {
                return false;
            }
            CompiledPolicy policy;
            try
            {
                policy = CompiledPolicy.Compile(document);
            }
            catch (PolicyException ex)
            {
                Log.PolicyRefused(_logger, _file, Current.Epoch, ex.Message);
                return false;
            }
            var snapshot = Accept(policy);
            Changed?.Invoke(snapshot);
            return true;
        }
    }

    private PolicySnapshot Accept(CompiledPolicy policy)
    {
        var now = _time.GetUtcNow();
        var document = policy.Document;
        var epoch = _store.AcceptPolicy(document.Hash, document.Text, _file ?? "<built-in default>", now.ToUnixTimeMilliseconds());
        return Install(epoch, policy, Source);
    }

    private PolicySnapshot Install(ulong epoch, CompiledPolicy policy, string source)
    {
        var snapshot = new PolicySnapshot(epoch, policy, _time.GetUtcNow());
        Core.DecisionEngine.Warm(snapshot);
        Volatile.Write(ref _current, snapshot);
        Log.PolicyInForce(_logger, epoch, policy.Document.Hash[..12], source);
        return snapshot;
    }

    /// <summary>
    /// Validates a document and stores it as a new epoch in the shared database, then puts it in force here; the
    /// other replicas follow by notification. Returns the epoch, or the validation errors (nothing changes then).
    /// </summary>
    public (ulong Epoch, IReadOnlyList<string> Errors) Apply(string text, string appliedBy)
    {
        if (_store is not ISharedPolicyStore shared)
        {
            return (0, ["this server takes its policy from its --policy file; edit the file instead (policy apply needs --postgres)"]);
        }
        if (PolicyDocument.TryParse(text, "<policy apply>", out var document, out var errors) is false)
        {
            return (0, errors.Select(e => e.ToString()).ToArray());
        }
        CompiledPolicy policy;
        try
        {
            policy = CompiledPolicy.Compile(document);
        }
        catch (PolicyException ex)
        {
            return (0, [ex.Message]);
        }
        lock (_reloadLock)
        {
            var stored = shared.AcceptPolicy(document.Hash, document.Text, "policy apply", appliedBy,
                _time.GetUtcNow().ToUnixTimeMilliseconds(), onlyIfNone: false);
            if (stored.Epoch > Current.Epoch)
            {
                // Installed first: with no stream subscribed, Changed?.Invoke(...) would skip its argument.
                var snapshot = Install(stored.Epoch, policy, $"policy apply by {appliedBy}");
                Changed?.Invoke(snapshot);
            }
            return (stored.Epoch, []);
        }
    }

    /// <summary>Loads the newest epoch from the shared database and puts it in force when it is newer. True when it changed.</summary>
    public bool Refresh()
    {
        if (_store is not ISharedPolicyStore shared)
        {
            return false;
        }
        lock (_reloadLock)
        {
            var stored = shared.LatestPolicy();
            if (stored is null || stored.Epoch <= Current.Epoch)
            {
                return false;
            }
            CompiledPolicy policy;
            try
            {
                policy = CompiledPolicy.Load(stored.Document, $"epoch {stored.Epoch}");
            }
            catch (PolicyException ex)
            {
                // Written by a newer Hookline, perhaps: keep what is in force rather than allow all.
                Log.PolicyRefused(_logger, $"epoch {stored.Epoch}", Current.Epoch, ex.Message);
                return false;
            }
            var source = stored.AppliedBy.Length > 0 ? $"{stored.Source} by {stored.AppliedBy}" : stored.Source;
            var snapshot = Install(stored.Epoch, policy, source);
            Changed?.Invoke(snapshot);
            return true;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
    }
}
