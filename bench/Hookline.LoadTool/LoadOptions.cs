using System.Globalization;

namespace Hookline.LoadTool;

/// <summary><c>--name value</c> pairs after the mode; every mode reads the names it knows and falls back to its defaults.</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        usage: Hookline.LoadTool <mode> [--name value ...]
          stream-vs-unary  --n 20000 --warmup 2000 --rounds 20
          throughput       --streams 1000 --connections 100 --in-flight 4 --seconds 10 [--in-process]
                           [--postgres "<admin connection string, loopback>" [--compare --rounds 2]]
          hook-chain       --n 400 --warmup 40 [--processes [--sidecar-env "NAME=value;..."]] [--gap-ms 0]
          transports       --n 1000 --warmup 100 [--client dotnet|node [--http-only]] [--link memory|network] [--gap-ms 0]
          http-stages      --n 400 --warmup 60 --gap-ms 10 [--link network|memory]
          rss              --events 20000 --concurrency 8 [--sidecar-env "DOTNET_GCgen0size=0x200000;NAME=value"]
          unary-auth       --postgres "<admin connection string, loopback>" --n 2000 --warmup 200 --block 250
          approval-latency --n 40 --warmup 4 --budget-ms 2000
          idle-streams     --idle 10000 --connections 10 --active 8 --n 2000
          fleet            every figure of issue 18 in one run, smaller defaults (each name above still applies)
                           [--postgres "<admin connection string, loopback>"]
        """;

    private readonly Dictionary<string, string> _values;

    private LoadOptions(Dictionary<string, string> values) => _values = values;

    public static LoadOptions Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    values[name] = "true";
                }
                name = arg[2..];
            }
            else if (name is not null)
            {
                values[name] = arg;
                name = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'\n{Usage}");
            }
        }
        if (name is not null)
        {
            values[name] = "true";
        }
        return new LoadOptions(values);
    }

    /// <summary>These options, with <paramref name="defaults"/> for the names not given (a mode run inside another).</summary>
    public LoadOptions WithDefaults(params (string Name, string Value)[] defaults)
    {
        var values = new Dictionary<string, string>(_values, StringComparer.Ordinal);
        foreach (var (name, value) in defaults)
        {
            values.TryAdd(name, value);
        }
        return new LoadOptions(values);
    }

    /// <summary>These options without <paramref name="name"/>.</summary>
    public LoadOptions Without(string name)
    {
        var values = new Dictionary<string, string>(_values, StringComparer.Ordinal);
        values.Remove(name);
        return new LoadOptions(values);
    }

    public int Int(string name, int fallback)
        => _values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => _values.TryGetValue(name, out var text) && text == "true";

    public string? Text(string name) => _values.GetValueOrDefault(name);
}
