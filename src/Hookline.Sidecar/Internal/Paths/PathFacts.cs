using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Policy;

namespace Hookline.Sidecar.Internal.Paths;

/// <summary>
/// What only the agent's machine can tell about an event's paths, added to the event so the server and the local
/// fallback decide alike: the agent user's home, the session's project root, whether the file system ignores case, the
/// homes of <c>~user</c> names, and the real paths behind symbolic links. The file system is asked on a worker within a
/// small budget: a dead network mount costs the hook that budget, never more, and then the policy sees the paths as
/// written (as before).
/// </summary>
internal sealed class PathFacts(TimeSpan budget, string? projectDirectory, TimeProvider time)
{
    // Lookups stuck on a dead mount keep their worker; beyond this many, new events skip the lookup instead of piling up.
    private const int MaxStuckLookups = 4;
    private static int s_inFlight;

    private static readonly string? Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home && home.StartsWith('/') ? home : null;

    private string? _projectDirectory = string.IsNullOrEmpty(projectDirectory) ? null : projectDirectory;
    private (string Cwd, bool IgnoresCase)? _probed;

    /// <summary>Resolves one absolute path (tests stand in a file system that hangs, as a dead network mount does).</summary>
    internal Func<string, CancellationToken, string?> Resolve { get; init; } = RealPath.Resolve;

    /// <summary>How many lookups ran out of budget (for tests and status).</summary>
    public int TimedOut { get; private set; }

    /// <summary>Fills the home and the project root at once (no file system access).</summary>
    public void AddIdentity(HookEvent hookEvent)
    {
        hookEvent.HomeDirectory = Home ?? "";
        if (hookEvent.ProjectDirectory.Length == 0)
        {
            // The working directory the session started in: the first one it reported.
            _projectDirectory ??= hookEvent.Cwd.Length > 0 ? hookEvent.Cwd : null;
            hookEvent.ProjectDirectory = _projectDirectory ?? "";
        }
    }

    /// <summary>Adds case-insensitivity, <c>~user</c> homes and resolved paths, within the budget.</summary>
    public async ValueTask AddFileFactsAsync(HookEvent hookEvent)
    {
        var paths = ToolPaths(hookEvent);
        var cwd = hookEvent.Cwd.Length > 0 ? hookEvent.Cwd : _projectDirectory ?? "/";
        if (_probed is { } probed && probed.Cwd == cwd)
        {
            hookEvent.CaseInsensitivePaths = probed.IgnoresCase;
            if (paths.Count == 0)
            {
                return;
            }
        }
        else
        {
            hookEvent.CaseInsensitivePaths = OperatingSystem.IsMacOS() || OperatingSystem.IsWindows(); // their defaults, until probed
        }

        if (Interlocked.Increment(ref s_inFlight) > MaxStuckLookups)
        {
            Interlocked.Decrement(ref s_inFlight);
            return;
        }

        using var cancel = new CancellationTokenSource(budget, time);
        var token = cancel.Token;
        var lookup = Task.Run(() =>
        {
            try
            {
                return Gather(paths, cwd, Resolve, token);
            }
            finally
            {
                Interlocked.Decrement(ref s_inFlight);
            }
        }, CancellationToken.None); // always runs, so the count above always comes down
        Learned learned;
        try
        {
            learned = await lookup.WaitAsync(budget, time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            TimedOut++;
            return;
        }

        _probed = (cwd, learned.IgnoresCase);
        hookEvent.CaseInsensitivePaths = learned.IgnoresCase;
        foreach (var (name, home) in learned.UserHomes)
        {
            hookEvent.UserHomes[name] = home;
        }

        hookEvent.ResolvedPaths.AddRange(learned.Resolved);
    }

    private sealed record Learned(bool IgnoresCase, Dictionary<string, string> UserHomes, List<string> Resolved);

    private static Learned Gather(List<string> paths, string cwd, Func<string, CancellationToken, string?> resolve, CancellationToken token)
    {
        var ignoresCase = ProbeIgnoresCase(cwd);
        var userHomes = new Dictionary<string, string>(StringComparer.Ordinal);
        var resolved = new List<string>();
        foreach (var path in paths)
        {
            token.ThrowIfCancellationRequested();
            if (Expand(path, cwd, userHomes) is not { } absolute)
            {
                continue;
            }

            if (resolve(absolute, token) is { } real && real != Path.GetFullPath(absolute) && !resolved.Contains(real))
            {
                resolved.Add(real);
            }
        }

        return new Learned(ignoresCase, userHomes, resolved);
    }

    /// <summary>
    /// Whether names compare ignoring case on the cwd's volume: the cwd spelled with its letters' case swapped exists.
    /// Without letters (or a cwd), the platform's default: macOS and Windows ignore case.
    /// </summary>
    internal static bool ProbeIgnoresCase(string cwd)
    {
        var swapped = string.Create(cwd.Length, cwd, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsUpper(s[i]) ? char.ToLowerInvariant(s[i]) : char.ToUpperInvariant(s[i]);
            }
        });
        if (swapped == cwd || !Directory.Exists(cwd))
        {
            return OperatingSystem.IsMacOS() || OperatingSystem.IsWindows();
        }

        return Directory.Exists(swapped);
    }

    /// <summary>An absolute spelling of a tool path: <c>~</c>, <c>~user</c> (looked up and remembered) and relative paths expanded.</summary>
    private static string? Expand(string path, string cwd, Dictionary<string, string> userHomes)
    {
        if (path.Length == 0)
        {
            return null;
        }

        if (path[0] != '~')
        {
            return path.StartsWith('/') ? path : Path.Join(cwd, path);
        }

        var slash = path.IndexOf('/');
        var name = slash < 0 ? path[1..] : path[1..slash];
        var rest = slash < 0 ? "" : path[slash..];
        if (name.Length == 0)
        {
            return Home is null ? null : Home + rest;
        }

        if (UserHome(name) is not { } home)
        {
            return null;
        }

        userHomes[name] = home;
        return home + rest;
    }

    /// <summary>The home of a local user: this one's, else its <c>/etc/passwd</c> entry.</summary>
    internal static string? UserHome(string name)
    {
        if (name == Environment.UserName)
        {
            return Home;
        }

        if (!File.Exists("/etc/passwd"))
        {
            return null;
        }

        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 6 && fields[0] == name && fields[5].StartsWith('/'))
            {
                return fields[5];
            }
        }

        return null;
    }

    /// <summary>The file paths a file tool names (the fields the policy reads).</summary>
    private static List<string> ToolPaths(HookEvent hookEvent)
    {
        var paths = new List<string>();
        if (hookEvent.ToolInput.IsEmpty || hookEvent.ToolName is not (ToolNames.Read or ToolNames.Edit or ToolNames.Write or ToolNames.MultiEdit
            or ToolNames.NotebookEdit or ToolNames.Grep or ToolNames.Glob))
        {
            return paths;
        }

        try
        {
            using var document = JsonDocument.Parse(hookEvent.ToolInput.Memory);
            var input = document.RootElement;
            if (input.ValueKind != JsonValueKind.Object)
            {
                return paths;
            }

            foreach (var field in (ReadOnlySpan<string>)["file_path", "absolute_path", "path", "notebook_path", "dir_path"])
            {
                if (input.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } path)
                {
                    paths.Add(path);
                }
            }

            if (input.TryGetProperty("paths", out var array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in array.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } path)
                    {
                        paths.Add(path);
                    }
                }
            }
        }
        catch (Exception ex) when (JsonValidity.IsMalformedInput(ex))
        {
            // The policy refuses input it cannot read; there is nothing to resolve.
        }

        return paths;
    }
}
