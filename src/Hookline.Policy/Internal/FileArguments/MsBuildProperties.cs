namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// MSBuild properties given on the command line (<c>-p:</c>, <c>/p:</c>, <c>--property:</c>, <c>-p NAME=V</c>) whose
/// value names a project file MSBuild imports and runs: <c>CustomBeforeMicrosoftCommonTargets</c>, <c>*Targets</c>,
/// <c>*Props</c>, <c>MSBuildExtensionsPath*</c>. An allow rule never covers them.
/// </summary>
internal static class MsBuildProperties
{
    /// <summary>Whether the word (or, after a bare <c>-p</c>, the next word) sets a property that imports code.</summary>
    public static bool ImportsCode(ReadOnlySpan<char> word, bool afterPropertyOption)
    {
        var list = afterPropertyOption ? word : PropertyList(word);
        if (list.IsEmpty)
        {
            return false;
        }

        foreach (var range in list.Split(';'))
        {
            var entry = list[range];
            var equals = entry.IndexOf('=');
            var name = (equals < 0 ? entry : entry[..equals]).Trim();
            if (name.EndsWith("Targets", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Props", StringComparison.OrdinalIgnoreCase)
                || name.Contains("ExtensionsPath", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Custom", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("DirectoryBuild", StringComparison.OrdinalIgnoreCase) || name.Contains("Import", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the word is a bare <c>-p</c>/<c>--property</c> whose value is the next word.</summary>
    public static bool IsBareOption(ReadOnlySpan<char> word) => word is "-p" or "--property" or "-property" or "/p" or "/property";

    private static ReadOnlySpan<char> PropertyList(ReadOnlySpan<char> word)
    {
        var body = word.TrimStart("-/");
        if (body.Length == word.Length)
        {
            return [];
        }

        foreach (var prefix in (ReadOnlySpan<string>)["p:", "property:"])
        {
            if (body.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return body[prefix.Length..];
            }
        }

        return [];
    }
}
