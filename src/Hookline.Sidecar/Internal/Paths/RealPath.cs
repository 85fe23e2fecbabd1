namespace Hookline.Sidecar.Internal.Paths;

/// <summary>
/// The path the operating system opens: symbolic links resolved component by component, as <c>realpath</c> does,
/// except that a missing tail (a file about to be written) is kept as written below the resolved part.
/// </summary>
internal static class RealPath
{
    private const int MaxLinks = 40; // as Linux's ELOOP

    /// <summary>The resolved absolute path, or null on a link loop.</summary>
    public static string? Resolve(string absolute, CancellationToken token)
    {
        var pending = new Stack<string>();
        Push(pending, absolute);
        var current = "/";
        var links = 0;
        var exists = true;
        while (pending.TryPop(out var segment))
        {
            token.ThrowIfCancellationRequested();
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                current = Parent(current);
                continue;
            }

            var next = current == "/" ? "/" + segment : current + "/" + segment;
            if (!exists || !Path.Exists(next) && new FileInfo(next).LinkTarget is null)
            {
                // Below a missing directory nothing can be a link: the rest is lexical.
                exists = false;
                current = next;
                continue;
            }

            if (new FileInfo(next).LinkTarget is not { } target)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (target.StartsWith('/'))
            {
                current = "/";
            }

            Push(pending, target);
        }

        return current;
    }

    private static void Push(Stack<string> pending, string path)
    {
        var segments = path.Split('/');
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            pending.Push(segments[i]);
        }
    }

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }
}
