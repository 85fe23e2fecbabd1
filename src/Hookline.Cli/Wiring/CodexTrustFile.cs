using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Hookline.Cli.Wiring;

/// <summary>One Codex hook trust entry: <c>[hooks.state."Key"] trusted_hash = "Hash"</c>.</summary>
internal sealed record CodexTrustEntry(string Key, string Hash);

/// <summary>
/// Adds and removes <c>[hooks.state."KEY"]</c> tables in Codex's config.toml. Tomlyn parses the file (its syntax tree
/// finds the tables and validates the result); the edit itself is textual, a whole table appended or cut out, so every
/// other byte of the user's file (comments, layout, key order) stays as it was.
/// </summary>
internal static class CodexTrustFile
{
    /// <summary>The trust entries in <paramref name="text"/>, by key (any table with a <c>trusted_hash</c> string).</summary>
    /// <exception cref="InvalidDataException">The text is not valid TOML.</exception>
    public static Dictionary<string, string> Entries(string text, string pathForErrors)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, hash, _, _) in StateTables(Parse(text, pathForErrors)))
        {
            if (hash is not null)
            {
                entries[key] = hash;
            }
        }
        return entries;
    }

    /// <summary>
    /// Appends one table per entry. An entry whose key already has a table is not touched (and not returned): the caller
    /// reports it. Returns the new text and the entries added.
    /// </summary>
    /// <exception cref="InvalidDataException">The text, or the text with the tables added, is not valid TOML.</exception>
    public static (string Text, List<CodexTrustEntry> Added) Add(string text, IEnumerable<CodexTrustEntry> entries, string pathForErrors)
    {
        var existing = StateTables(Parse(text, pathForErrors)).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var added = new List<CodexTrustEntry>();
        var result = new System.Text.StringBuilder(text);
        foreach (var entry in entries.Where(e => !existing.Contains(e.Key)))
        {
            if (result.Length > 0 && result[^1] != '\n')
            {
                result.Append('\n');
            }
            result.Append(result.Length > 0 ? "\n" : "")
                .Append("[hooks.state.").Append(new StringValueSyntax(entry.Key)).Append("]\n")
                .Append("trusted_hash = ").Append(new StringValueSyntax(entry.Hash)).Append('\n');
            added.Add(entry);
        }
        var updated = result.ToString();
        // Codex reads the file with a strict parser: never hand it a file that does not validate.
        try
        {
            Parse(updated, pathForErrors);
        }
        catch (InvalidDataException ex) when (added.Count > 0)
        {
            // The file itself is valid: it defines `hooks` in a way no table may extend, such as an inline table.
            throw new InvalidDataException($"a [hooks.state.\"KEY\"] table cannot be added to {pathForErrors} as it is "
                + $"(is `hooks` an inline table? TOML forbids extending one): {ex.Message}", ex);
        }
        return (updated, added);
    }

    /// <summary>
    /// Cuts out the tables of <paramref name="entries"/> that still hold exactly the hash that was written (a table the
    /// user or Codex changed since is theirs now, and stays), with the blank line <see cref="Add"/> put before each.
    /// </summary>
    public static (string Text, int Removed) Remove(string text, IReadOnlyCollection<CodexTrustEntry> entries, string pathForErrors)
    {
        var removed = 0;
        while (true)
        {
            var table = StateTables(Parse(text, pathForErrors))
                .FirstOrDefault(t => t.Items == 1 && entries.Contains(new CodexTrustEntry(t.Key, t.Hash ?? "")));
            if (table.Node is null)
            {
                return (text, removed);
            }
            var start = table.Node.OpenBracket!.Span.Start.Offset;
            var end = Math.Min(table.Node.Span.End.Offset + 1, text.Length);
            if (start >= 2 && text[start - 1] == '\n' && text[start - 2] == '\n')
            {
                start--;
            }
            else if (start == 1 && text[0] == '\n')
            {
                start = 0;
            }
            else if (start == 0 && end < text.Length && text[end] == '\n')
            {
                end++; // the first table added has the blank line after it
            }
            text = text.Remove(start, end - start);
            removed++;
        }
    }

    private static DocumentSyntax Parse(string text, string pathForErrors)
    {
        var document = SyntaxParser.Parse(text, pathForErrors, validate: true);
        if (document.HasErrors)
        {
            var first = document.Diagnostics.FirstOrDefault(d => d.Kind == DiagnosticMessageKind.Error);
            throw new InvalidDataException($"{pathForErrors} is not valid TOML: {first}");
        }
        return document;
    }

    /// <summary>Every <c>[hooks.state."KEY"]</c> table: its key, its <c>trusted_hash</c> (if a string), its item count.</summary>
    private static IEnumerable<(string Key, string? Hash, TableSyntax Node, int Items)> StateTables(DocumentSyntax document)
    {
        foreach (var table in document.Tables)
        {
            if (table is not TableSyntax { Name: { } name } node || name.DotKeys is not { ChildrenCount: 2 } dots
                || Text(name.Key) != "hooks" || Text(dots.GetChild(0)!.Key) != "state" || Text(dots.GetChild(1)!.Key) is not { } key)
            {
                continue;
            }
            string? hash = null;
            foreach (var item in node.Items)
            {
                if (item.Key is { DotKeys: null or { ChildrenCount: 0 } } itemKey && Text(itemKey.Key) == "trusted_hash"
                    && item.Value is StringValueSyntax { Value: { } value })
                {
                    hash = value;
                }
            }
            yield return (key, hash, node, node.Items.ChildrenCount);
        }
    }

    private static string? Text(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text,
        StringValueSyntax quoted => quoted.Value,
        _ => null,
    };
}
