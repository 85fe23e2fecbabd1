using System.Text.RegularExpressions;
using System.Text;
using Hookline.Policy.Internal.Paths;

namespace Hookline.Policy.Internal.Matching;

internal enum PathAnchor
{
    /// <summary><c>//abs/path</c>.</summary>
    Absolute,

    /// <summary><c>~/path</c>.</summary>
    Home,

    /// <summary><c>./path</c>, <c>/path</c> and any pattern with an inner slash: relative to the session's project root.</summary>
    Cwd,

    /// <summary>No slash (<c>.env</c>, <c>*.pem</c>, <c>**/.env</c>): the name at any depth, anywhere.</summary>
    Anywhere,
}

/// <summary>
/// A gitignore-style path glob: <c>*</c> and <c>?</c> stay within a segment, <c>**</c> spans segments, <c>[a-z]</c> classes.
/// A pattern that names a directory also matches everything below it (as gitignore excludes a directory's contents).
/// </summary>
internal sealed partial class PathGlob
{
    private readonly Lazy<Regex> _regex;
    private readonly Lazy<Regex> _regexIgnoringCase;

    // Cheap pre-checks before the regex: the longest literal run must occur in the path, and an absolute pattern's
    // literal head must start it. Most rules are rejected here, which keeps evaluation fast with many rules.
    private readonly string _requiredLiteral;
    private readonly string _absolutePrefix;

    private PathGlob(string pattern, PathAnchor anchor, int parentLevels, Lazy<Regex> regex, Lazy<Regex> regexIgnoringCase, string body)
    {
        _regexIgnoringCase = regexIgnoringCase;
        Pattern = pattern;
        Anchor = anchor;
        ParentLevels = parentLevels;
        _regex = regex;
        _segments = body.Split('/');
        _requiredLiteral = LongestLiteral(body);
        _absolutePrefix = anchor == PathAnchor.Absolute ? "/" + body[..LiteralHeadLength(body)] : "";
        var slash = body.IndexOf('/');
        var first = slash < 0 ? body : body[..slash];
        FirstSegment = anchor != PathAnchor.Anywhere && first.Length > 0 && LiteralHeadLength(first) == first.Length ? first : null;
    }

    /// <summary>The literal first segment below the anchor (<c>etc</c> for <c>//etc/**</c>), or null: used for indexing.</summary>
    public string? FirstSegment { get; }

    private static bool IsGlobChar(char c) => c is '*' or '?' or '[' or ']' or '\\';

    private static int LiteralHeadLength(string body)
    {
        var i = 0;
        while (i < body.Length && !IsGlobChar(body[i]))
        {
            i++;
        }

        return i;
    }

    private static string LongestLiteral(string body)
    {
        int bestStart = 0, bestLength = 0, start = 0;
        for (var i = 0; i <= body.Length; i++)
        {
            if (i == body.Length || IsGlobChar(body[i]))
            {
                if (i - start > bestLength)
                {
                    (bestStart, bestLength) = (start, i - start);
                }

                start = i + 1;
            }
        }

        return body.Substring(bestStart, bestLength);
    }

    public string Pattern { get; }
    public PathAnchor Anchor { get; }

    /// <summary>Leading <c>..</c> segments of a cwd-relative pattern.</summary>
    public int ParentLevels { get; }

    public static PathGlob? TryCreate(string specifier, out string? error)
    {
        error = null;
        var spec = specifier.Trim();
        if (spec.Length == 0)
        {
            error = "empty path pattern";
            return null;
        }

        PathAnchor anchor;
        string body;
        if (spec.StartsWith("//", StringComparison.Ordinal))
        {
            anchor = PathAnchor.Absolute;
            body = spec[2..];
        }
        else if (spec == "~" || spec.StartsWith("~/", StringComparison.Ordinal))
        {
            anchor = PathAnchor.Home;
            body = spec.Length > 1 ? spec[2..] : "";
        }
        else if (spec.StartsWith('/'))
        {
            anchor = PathAnchor.Cwd;
            body = spec[1..];
        }
        else if (spec.StartsWith("./", StringComparison.Ordinal) || spec == ".")
        {
            anchor = PathAnchor.Cwd;
            body = spec.Length > 1 ? spec[2..] : "";
        }
        else if (spec.StartsWith("../", StringComparison.Ordinal) || spec == ".." || spec.TrimEnd('/').Contains('/') && !spec.StartsWith("**/", StringComparison.Ordinal))
        {
            anchor = PathAnchor.Cwd;
            body = spec;
        }
        else
        {
            anchor = PathAnchor.Anywhere;
            body = spec.StartsWith("**/", StringComparison.Ordinal) ? spec[3..] : spec;
        }

        if (!TryNormalizeSegments(body, anchor, out var segments, out var parentLevels, out error))
        {
            return null;
        }

        var normalized = segments.Count == 0 ? "**" : string.Join('/', segments);
        var regexText = anchor switch
        {
            PathAnchor.Absolute => "^/" + Translate(normalized) + "(?:/.*)?$",
            PathAnchor.Anywhere => "^(?:.*/)?" + Translate(normalized) + "(?:/.*)?$",
            _ => "^" + Translate(normalized) + "(?:/.*)?$",
        };
        try
        {
            // Validate now with the cheap interpreter; build the linear-time matcher on first use, since most rules are
            // rejected by the literal pre-checks and a NonBacktracking build is costly (it dominated compiling 2,000 rules).
            if (normalized.Contains('['))
            {
                _ = new Regex(regexText, RegexOptions.CultureInvariant | RegexOptions.Singleline); // only classes can be malformed
            }

            var regex = new Lazy<Regex>(() => new Regex(regexText, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.Singleline), LazyThreadSafetyMode.PublicationOnly);
            var ignoringCase = new Lazy<Regex>(() => new Regex(regexText, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.Singleline | RegexOptions.IgnoreCase), LazyThreadSafetyMode.PublicationOnly);
            return new PathGlob(specifier, anchor, parentLevels, regex, ignoringCase, normalized);
        }
        catch (ArgumentException ex)
        {
            error = $"invalid path pattern '{specifier}': {ex.Message}";
            return null;
        }
    }

    /// <summary>Matches a normalised absolute path with the event's cwd as the root and its home known.</summary>
    public bool IsMatch(ReadOnlySpan<char> absolutePath, string cwd, string? home) => IsMatch(absolutePath, new PathFrame(cwd, home, false, Broad: true));

    /// <summary>Matches a normalised absolute path in the event's frame (project root, home, case).</summary>
    public bool IsMatch(ReadOnlySpan<char> absolutePath, in PathFrame frame)
    {
        var comparison = frame.Comparison;
        if ((_requiredLiteral.Length > 0 && !absolutePath.Contains(_requiredLiteral, comparison))
            || (_absolutePrefix.Length > 1 && !absolutePath.StartsWith(_absolutePrefix, comparison)))
        {
            return false;
        }

        var regex = frame.IgnoreCase ? _regexIgnoringCase.Value : _regex.Value;
        switch (Anchor)
        {
            case PathAnchor.Absolute:
                return regex.IsMatch(absolutePath);
            case PathAnchor.Anywhere:
                return regex.IsMatch(absolutePath[1..]);
            case PathAnchor.Home when frame.Home is null || absolutePath.StartsWith(PathNormalizer.UnknownHome, StringComparison.Ordinal):
                // A home that is not known (or a ~user nobody looked up) may be any directory: a deny or ask rule
                // matches under every one, an allow rule under none.
                return frame.Broad ? MatchUnderAnyDirectory(regex, absolutePath) : frame.Home is not null && MatchUnder(regex, absolutePath, frame.Home, comparison);
            case PathAnchor.Home:
                return MatchUnder(regex, absolutePath, frame.Home, comparison);
            default:
                var baseDir = frame.Root;
                for (var i = 0; i < ParentLevels; i++)
                {
                    baseDir = PathNormalizer.Parent(baseDir);
                }

                return MatchUnder(regex, absolutePath, baseDir, comparison);
        }
    }

    private static bool MatchUnder(Regex regex, ReadOnlySpan<char> absolutePath, string baseDir, StringComparison comparison)
    {
        if (baseDir == "/")
        {
            return regex.IsMatch(absolutePath[1..]);
        }

        if (absolutePath.Length > baseDir.Length && absolutePath.StartsWith(baseDir, comparison) && absolutePath[baseDir.Length] == '/')
        {
            return regex.IsMatch(absolutePath[(baseDir.Length + 1)..]);
        }

        return absolutePath.Equals(baseDir, comparison) && regex.IsMatch("");
    }

    private static bool MatchUnderAnyDirectory(Regex regex, ReadOnlySpan<char> absolutePath)
    {
        for (var slash = 0; slash >= 0 && slash < absolutePath.Length; slash = absolutePath[(slash + 1)..].IndexOf('/') is var next and >= 0 ? slash + 1 + next : -1)
        {
            if (regex.IsMatch(absolutePath[(slash + 1)..]))
            {
                return true;
            }
        }

        return regex.IsMatch("");
    }

    private static bool TryNormalizeSegments(string body, PathAnchor anchor, out List<string> segments, out int parentLevels, out string? error)
    {
        segments = [];
        parentLevels = 0;
        error = null;
        foreach (var segment in body.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0 && segments[^1] != "**")
                {
                    segments.RemoveAt(segments.Count - 1);
                }
                else if (segments.Count == 0 && anchor == PathAnchor.Cwd)
                {
                    parentLevels++;
                }
                else if (segments.Count > 0 || anchor != PathAnchor.Absolute)
                {
                    error = $"'..' cannot be resolved in path pattern '{body}'";
                    return false;
                }

                continue;
            }

            segments.Add(segment);
        }

        return true;
    }

    internal static string Translate(string glob)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    if (i + 2 < glob.Length && glob[i + 2] == '/')
                    {
                        sb.Append("(?:.*/)?");
                        i += 2;
                    }
                    else
                    {
                        sb.Append(".*");
                        i += 1;
                    }

                    break;
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                    var close = glob.IndexOf(']', i + 2);
                    if (close < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }

                    var content = glob[(i + 1)..close];
                    sb.Append('[');
                    if (content[0] is '!' or '^')
                    {
                        sb.Append('^');
                        content = content[1..];
                    }

                    sb.Append(content.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("[", @"\[", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                case '\\' when i + 1 < glob.Length:
                    sb.Append(Regex.Escape(glob[++i].ToString()));
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return sb.ToString();
    }
}
