using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Hookline.Cli.Output;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Hookline.Cli.Hosting;

/// <summary>
/// <c>--config FILE</c>: a YAML mapping whose keys are the command's own flags without the leading dashes
/// (<c>listen:</c>, <c>tls-cert:</c>, ...), so every flag, present or future, can live in the file with no code here.
/// A flag given on the command line wins over the file. <c>${ENV:NAME}</c> in a value is replaced by that environment
/// variable, so secrets stay out of the file. A list value repeats the flag.
/// </summary>
internal static partial class ConfigFile
{
    public static Option<string?> Option() => new("--config")
    {
        Description = "YAML file holding any of these flags (keys without --); flags on the command line win; ${ENV:NAME} reads a variable",
    };

    /// <summary>Parses again with the file's values for every flag the command line did not give.</summary>
    /// <exception cref="ArgumentException">The file is unreadable, not a flat mapping, names an unknown flag or a missing variable.</exception>
    public static ParseResult Apply(ParseResult parse, Command command, Option<string?> config)
    {
        var path = parse.GetValue(config);
        return path is null ? parse : Apply(parse, command, config, path, _ => false);
    }

    /// <summary>
    /// <see cref="Apply(ParseResult, Command, Option{string?})"/> with the file at <paramref name="path"/>, leaving out
    /// the keys <paramref name="skip"/> names (set elsewhere, by a source that wins over this file).
    /// </summary>
    /// <exception cref="ArgumentException">The file is unreadable, not a flat mapping, names an unknown flag or a missing variable.</exception>
    public static ParseResult Apply(ParseResult parse, Command command, Option<string?> config, string path, Func<string, bool> skip)
    {
        var fromFile = new List<string>();
        foreach (var entry in Read(path))
        {
            var option = command.Options.FirstOrDefault(o => o.Name == "--" + entry.Key || o.Aliases.Contains("--" + entry.Key));
            if (option is null || option == config)
            {
                var known = string.Join(", ", command.Options.Where(o => o != config && o.Name.StartsWith("--", StringComparison.Ordinal))
                    .Select(o => o.Name[2..]));
                throw new ArgumentException($"{path}:{entry.Line}: unknown key '{entry.Key}'; known: {known}");
            }
            if (parse.GetResult(option) is { Implicit: false } || skip(entry.Key))
            {
                continue;
            }
            foreach (var value in entry.Values)
            {
                fromFile.Add(option.Name);
                fromFile.Add(Expand(value, path, entry.Line));
            }
        }
        var given = parse.Tokens.Where(t => t.Type != TokenType.Command).Select(t => t.Value);
        var merged = command.Parse([.. fromFile, .. given]);
        if (merged.Errors.Count > 0)
        {
            throw new ArgumentException($"{path}: " + string.Join("; ", merged.Errors.Select(e => e.Message)));
        }
        return merged.WritingAs(parse);
    }

    internal sealed record Entry(string Key, List<string> Values, long Line);

    /// <summary>The file's keys and their values as written (no <c>${ENV:NAME}</c> expanded).</summary>
    internal static List<Entry> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read {path}: {ex.Message}", ex);
        }
        var entries = new List<Entry>();
        try
        {
            // Parser events, not the object model: no reflection (Native AOT), and line numbers for errors.
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return entries;
            }
            parser.Consume<DocumentStart>();
            if (parser.TryConsume<Scalar>(out var empty) && empty.Value.Length == 0)
            {
                return entries;
            }
            parser.Consume<MappingStart>();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = parser.Consume<Scalar>();
                if (entries.Any(e => e.Key == key.Value))
                {
                    throw new ArgumentException($"{path}:{key.Start.Line}: key '{key.Value}' appears twice");
                }
                var values = new List<string>();
                if (parser.TryConsume<SequenceStart>(out _))
                {
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        values.Add(ScalarValue(parser, path));
                    }
                }
                else
                {
                    values.Add(ScalarValue(parser, path));
                }
                entries.Add(new Entry(key.Value, values, key.Start.Line));
            }
        }
        catch (YamlException ex)
        {
            throw new ArgumentException($"{path}:{ex.Start.Line}:{ex.Start.Column}: expected a mapping of flag: value ({ex.Message})", ex);
        }
        return entries;
    }

    private static string ScalarValue(Parser parser, string path)
    {
        if (parser.Current is not Scalar)
        {
            var at = parser.Current?.Start.Line ?? 0;
            throw new ArgumentException($"{path}:{at}: expected a plain value or a list of values");
        }
        return parser.Consume<Scalar>().Value;
    }

    private static string Expand(string value, string path, long line) => EnvReference().Replace(value, match =>
    {
        var name = match.Groups[1].Value;
        return Environment.GetEnvironmentVariable(name)
            ?? throw new ArgumentException($"{path}:{line}: environment variable {name} is not set");
    });

    [GeneratedRegex(@"\$\{ENV:([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex EnvReference();
}
