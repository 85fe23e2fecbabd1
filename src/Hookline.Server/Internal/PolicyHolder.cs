using Hookline.Policy;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal;

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
        _current = Accept(CompiledPolicy.Load(text, _file ?? "<built-in default>"));
    }

    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Raised after a new snapshot is in force.</summary>
    public event Action<PolicySnapshot>? Changed;

    public void Watch()
    {
        if (_file is null)
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
        if (_file is null)
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
        var snapshot = new PolicySnapshot(epoch, policy, now);
        Core.DecisionEngine.Warm(snapshot);
        Volatile.Write(ref _current, snapshot);
        Log.PolicyInForce(_logger, epoch, document.Hash[..12], _file ?? "<built-in default>");
        return snapshot;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
    }
}
