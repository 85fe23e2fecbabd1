using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Paths;

/// <summary>
/// Lexical path normalisation: <c>~</c>, <c>~user</c>, relative-to-cwd, <c>.</c>, <c>..</c>, duplicate slashes, and the
/// aliases the operating system resolves (<c>/proc/self/root</c> is <c>/</c>, <c>/proc/self/cwd</c> the cwd). No file
/// system access. A home that is not known stays visible in the result as <c>/~</c> or <c>/~user</c> (see
/// <see cref="IsOpaque"/>), so it is never read as the root: <c>~/.ssh</c> never becomes <c>/.ssh</c>.
/// </summary>
internal static class PathNormalizer
{
    /// <summary>The base written for a home that is not known: <c>~/x</c> becomes <c>/~/x</c>.</summary>
    public const string UnknownHome = "/~";

    public static string Normalize(string path, string cwd, string? home, IReadOnlyDictionary<string, string>? userHomes = null)
    {
        if (path.StartsWith('/') && IsAlreadyNormal(path) && ProcAlias(path) is null)
        {
            return path; // most paths agents send: no copy
        }

        var arena = new TextArena();
        return new string(arena[NormalizeInto(path, cwd, home, userHomes, arena)]);
    }

    /// <summary>The same normalisation, written to the arena (no allocation once it has grown).</summary>
    public static TextRange NormalizeInto(ReadOnlySpan<char> path, string cwd, string? home, IReadOnlyDictionary<string, string>? userHomes, TextArena arena)
    {
        var start = arena.Length;
        if (path.Length > 0 && path[0] == '~')
        {
            var slash = path.IndexOf('/');
            var name = slash < 0 ? path[1..] : path[1..slash];
            var rest = slash < 0 ? [] : path[slash..];
            arena.Append(HomeOf(name, cwd, home, userHomes));
            arena.Append(rest);
        }
        else if (path.StartsWith('/'))
        {
            arena.Append(path);
        }
        else
        {
            arena.Append(cwd);
            arena.Append('/');
            arena.Append(path);
        }

        var collapsed = Collapse(arena, arena.From(start));
        return ProcAlias(arena[collapsed]) is { } alias ? ResolveProcAlias(arena, collapsed, alias, cwd) : collapsed;
    }

    /// <summary>
    /// A path whose real target a static reader cannot know: another process's or thread's view (<c>/proc/PID/...</c>,
    /// <c>/proc/thread-self/...</c>), an open descriptor (<c>/dev/fd/N</c>, <c>/proc/self/fd/N</c>), or a home that is not
    /// known (<c>/~</c>, <c>/~user</c>). Where a file rule applies, such a path is asked about, never allowed.
    /// </summary>
    public static bool IsOpaque(ReadOnlySpan<char> normalized)
    {
        if (normalized.StartsWith("/~", StringComparison.Ordinal) || normalized.StartsWith("/dev/fd/", StringComparison.Ordinal)
            || normalized.StartsWith("/proc/self/fd/", StringComparison.Ordinal) || normalized.StartsWith("/proc/thread-self/", StringComparison.Ordinal))
        {
            return true;
        }

        if (!normalized.StartsWith("/proc/", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = normalized["/proc/".Length..];
        var slash = rest.IndexOf('/');
        var pid = slash < 0 ? rest : rest[..slash];
        return pid.Length > 0 && slash > 0 && !pid.ContainsAnyExceptInRange('0', '9');
    }

    private static string HomeOf(ReadOnlySpan<char> name, string cwd, string? home, IReadOnlyDictionary<string, string>? userHomes)
    {
        if (name.Length == 0)
        {
            return home ?? UnknownHome;
        }

        if (name is "+")
        {
            return cwd; // bash: ~+ is $PWD
        }

        if (userHomes is not null && userHomes.TryGetValue(new string(name), out var other) && other.StartsWith('/'))
        {
            return other;
        }

        return UnknownHome + new string(name);
    }

    private enum Alias
    {
        Root,
        Cwd,
    }

    private static Alias? ProcAlias(ReadOnlySpan<char> path)
    {
        if (!path.StartsWith("/proc/self/", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path["/proc/self/".Length..];
        if (rest.StartsWith("root", StringComparison.Ordinal) && (rest.Length == 4 || rest[4] == '/'))
        {
            return Alias.Root;
        }

        return rest.StartsWith("cwd", StringComparison.Ordinal) && (rest.Length == 3 || rest[3] == '/') ? Alias.Cwd : null;
    }

    // Rare: /proc/self/root/x is /x and /proc/self/cwd/x is cwd/x (repeated, for /proc/self/root/proc/self/root/...).
    private static TextRange ResolveProcAlias(TextArena arena, TextRange collapsed, Alias? alias, string cwd)
    {
        var path = new string(arena[collapsed]);
        for (var depth = 0; alias is { } a && depth < 16; depth++)
        {
            var rest = path[(a == Alias.Root ? "/proc/self/root".Length : "/proc/self/cwd".Length)..];
            var start = arena.Length;
            arena.Append(a == Alias.Root ? "" : cwd);
            arena.Append(rest);
            if (arena.Length == start)
            {
                arena.Append('/');
            }

            collapsed = Collapse(arena, arena.From(start));
            path = new string(arena[collapsed]);
            alias = ProcAlias(path);
        }

        return collapsed;
    }

    private static TextRange Collapse(TextArena arena, TextRange combined)
    {
        var source = arena[combined]; // later appends may move the buffer; this copy stays valid
        if (IsAlreadyNormal(source))
        {
            return combined;
        }

        var output = arena.Length;
        foreach (var range in source.Split('/'))
        {
            var segment = source[range];
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment is "..")
            {
                var written = arena[arena.From(output)];
                arena.Truncate(output + Math.Max(0, written.LastIndexOf('/')));
                continue;
            }

            arena.Append('/');
            arena.Append(segment);
        }

        if (arena.Length == output)
        {
            arena.Append('/');
        }

        return arena.From(output);
    }

    /// <summary>Normalises an absolute-ish directory (cwd, home); anything relative is taken from the root.</summary>
    public static string NormalizeDirectory(string? directory) =>
        string.IsNullOrEmpty(directory) ? "/" : Normalize(directory.StartsWith('/') ? directory : "/" + directory, "/", null);

    /// <summary>A reported home: null when it is missing, empty or not absolute (unknown, never the root).</summary>
    public static string? NormalizeHome(string? home) =>
        string.IsNullOrWhiteSpace(home) || !home.StartsWith('/') ? null : NormalizeDirectory(home);

    public static string Parent(string normalized)
    {
        var slash = normalized.LastIndexOf('/');
        return slash <= 0 ? "/" : normalized[..slash];
    }

    // Fast path: most paths agents send are already absolute and clean.
    private static bool IsAlreadyNormal(ReadOnlySpan<char> path)
    {
        if (path.Length == 0 || path[0] != '/' || (path.Length > 1 && path[^1] == '/'))
        {
            return path is "/";
        }

        for (var i = 1; i < path.Length; i++)
        {
            if (path[i] == '/' || (path[i] == '.' && path[i - 1] == '/'))
            {
                if (path[i] == '/' && path[i - 1] == '/')
                {
                    return false;
                }

                if (path[i] == '.' && (i + 1 == path.Length || path[i + 1] == '/' || (path[i + 1] == '.' && (i + 2 == path.Length || path[i + 2] == '/'))))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
