namespace Hookline.Policy.Internal;

/// <summary>Lexical path normalisation: <c>~</c>, relative-to-cwd, <c>.</c>, <c>..</c> and duplicate slashes. No file system access.</summary>
internal static class PathNormalizer
{
    public static string Normalize(string path, string cwd, string home)
    {
        string combined;
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            combined = home + "/" + path[1..];
        }
        else if (path.StartsWith('/'))
        {
            combined = path;
        }
        else
        {
            combined = cwd + "/" + path;
        }

        return Collapse(combined);
    }

    /// <summary>The same normalisation, written to the arena (no allocation once it has grown).</summary>
    public static TextRange NormalizeInto(ReadOnlySpan<char> path, string cwd, string home, TextArena arena)
    {
        var start = arena.Length;
        if (path is "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            arena.Append(home);
            arena.Append('/');
            arena.Append(path[1..]);
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

        var combined = arena.From(start);
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
        string.IsNullOrEmpty(directory) ? "/" : Collapse(directory.StartsWith('/') ? directory : "/" + directory);

    public static string Parent(string normalized)
    {
        var slash = normalized.LastIndexOf('/');
        return slash <= 0 ? "/" : normalized[..slash];
    }

    private static string Collapse(string path)
    {
        if (IsAlreadyNormal(path))
        {
            return path;
        }

        var stack = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }

                continue;
            }

            stack.Add(segment);
        }

        return "/" + string.Join('/', stack);
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
