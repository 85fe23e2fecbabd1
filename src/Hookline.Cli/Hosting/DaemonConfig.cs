using System.CommandLine;
using System.Net;
using Hookline.Core;
using Hookline.Sidecar;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Hookline.Cli.Hosting;

/// <summary>
/// The per-user sidecar's configuration (<see cref="DaemonConfigFile"/>): a <c>--config</c> file of
/// <c>hookline sidecar</c> (keys are its flags: <c>server:</c>, <c>token-file:</c>, <c>ca:</c>, ...) that
/// <c>hookline install --server URL [--token-file PATH]</c> writes and every <c>hookline sidecar --daemon</c> reads when
/// it is given no <c>--config</c>. What wins, best first: a flag, <c>$HOOKLINE_SERVER</c> / <c>$HOOKLINE_TOKEN</c>,
/// this file, the built-in default. The token file's path is recorded, never the token. The file's credentials
/// (<c>token-file:</c>, <c>ca:</c>, client certificate) go only to the file's own <c>server:</c>.
/// </summary>
internal static class DaemonConfig
{
    public const string ServerKey = "server";
    public const string TokenFileKey = "token-file";

    /// <summary>The command line of <c>sidecar --daemon</c> merged with the user's file, if there is one.</summary>
    /// <exception cref="ArgumentException">The file is unsafe (see <see cref="DaemonConfigFile.Problem"/>), unreadable or invalid.</exception>
    public static ParseResult Apply(ParseResult parse, Command command, Option<string?> config)
    {
        var path = DaemonConfigFile.DefaultPath();
        if (!Exists(path))
        {
            return parse;
        }
        Trust(path);
        return ConfigFile.Apply(parse, command, config, path, SetElsewhere(parse, command, path));
    }

    /// <summary>Whether the file (or a symlink in its place) exists.</summary>
    public static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    /// <summary>Throws unless the file (when it exists) and its directory (when it exists) may be trusted.</summary>
    /// <exception cref="ArgumentException">The file or its directory may not be trusted, or cannot be inspected.</exception>
    public static void Trust(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        string? problem;
        try
        {
            problem = Exists(path) ? DaemonConfigFile.Problem(path)
                : Directory.Exists(directory) ? DaemonConfigFile.DirectoryProblem(directory)
                : null;
        }
        catch (IOException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }
        if (problem is not null)
        {
            throw new ArgumentException($"refusing the per-user sidecar's configuration: {problem}");
        }
    }

    /// <summary>
    /// The keys a flag or an environment variable sets instead. A server named by a flag or <c>$HOOKLINE_SERVER</c>
    /// other than the file's takes none of the file's credentials (its token only from <c>--token-file</c> or
    /// <c>$HOOKLINE_TOKEN</c>): whoever can set one variable in an agent's environment, which the daemon a hook starts
    /// inherits, must not get the user's recorded token sent to a server of their choosing.
    /// </summary>
    private static Func<string, bool> SetElsewhere(ParseResult parse, Command command, string path)
    {
        var serverFlag = command.Options.OfType<Option<string[]>>().First(o => o.Name == "--" + ServerKey);
        string[]? chosen = parse.GetResult(serverFlag) is { Implicit: false } ? parse.GetValue(serverFlag)
            : Environment.GetEnvironmentVariable("HOOKLINE_SERVER") is { Length: > 0 } fromEnvironment ? [fromEnvironment] : null;
        var recorded = ConfigFile.Read(path).FirstOrDefault(e => e.Key == ServerKey)?.Values ?? [];
        var otherServer = chosen is not null && !chosen.SequenceEqual(recorded);
        var tokenInEnvironment = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HOOKLINE_TOKEN"));
        return key => key switch
        {
            ServerKey => chosen is not null,
            TokenFileKey or "token" => otherServer || tokenInEnvironment,
            "ca" or "client-cert" or "client-key" => otherServer,
            _ => false,
        };
    }

    /// <summary>
    /// The reason <paramref name="server"/> is not an address the sidecar can use, or null: <c>http://</c> or
    /// <c>https://</c> with a host, or <c>unix:/absolute/path</c>.
    /// </summary>
    public static string? InvalidServer(string server)
    {
        if (server.StartsWith("unix:", StringComparison.Ordinal))
        {
            return Path.IsPathRooted(server["unix:".Length..]) ? null : $"--server {server}: unix: takes an absolute socket path";
        }
        return Uri.TryCreate(server, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? null
            : $"--server {server}: the server's gRPC address, http(s)://HOST:PORT or unix:/PATH";
    }

    /// <summary>A token would cross the network unencrypted: <c>http://</c> to a host other than loopback.</summary>
    public static bool Cleartext(string server) =>
        Uri.TryCreate(server, UriKind.Absolute, out var uri) && uri.Scheme == "http"
        && !(uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>
    /// Sets <c>server:</c> and, when given, <c>token-file:</c> in the user's file, keeping every other key the user
    /// wrote; creates its directory 0700 and writes the file 0600 through a rename, so a reader sees the old file or the
    /// new one, never half of one. Returns the path, and a warning when the directory already existed with a wider mode.
    /// </summary>
    /// <exception cref="ArgumentException">The existing file may not be trusted, or is not a mapping of flags.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static (string Path, string? Warning) Record(string? server, string? tokenFile)
    {
        var path = DaemonConfigFile.DefaultPath();
        var directory = Path.GetDirectoryName(path)!;
        var warning = PrivateFiles.CreateDirectory(directory);
        Trust(path);
        var entries = new List<(string Key, List<string> Values)>();
        if (Exists(path))
        {
            entries.AddRange(ConfigFile.Read(path).Select(e => (e.Key, e.Values)));
        }
        Set(entries, ServerKey, server);
        Set(entries, TokenFileKey, tokenFile);
        var temporary = Path.Combine(directory, $".{DaemonConfigFile.FileName}.{Environment.ProcessId}.tmp");
        try
        {
            using (var file = PrivateFiles.Open(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using var writer = new StreamWriter(file, new System.Text.UTF8Encoding(false));
                Write(writer, entries);
                writer.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return (path, warning);
    }

    private static void Set(List<(string Key, List<string> Values)> entries, string key, string? value)
    {
        if (value is null)
        {
            return;
        }
        var at = entries.FindIndex(e => e.Key == key);
        if (at < 0)
        {
            entries.Add((key, [value]));
        }
        else
        {
            entries[at] = (key, [value]);
        }
    }

    /// <summary>YAML through the emitter's events: no reflection (Native AOT), and any value quoted as it needs.</summary>
    private static void Write(TextWriter writer, List<(string Key, List<string> Values)> entries)
    {
        var emitter = new Emitter(writer);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        emitter.Emit(new Comment("The per-user sidecar's flags (hookline sidecar --help), written by hookline install; a flag or $HOOKLINE_SERVER wins, and takes none of its credentials.", false));
        emitter.Emit(new MappingStart());
        foreach (var (key, values) in entries)
        {
            emitter.Emit(new Scalar(key));
            if (values.Count == 1)
            {
                emitter.Emit(new Scalar(values[0]));
                continue;
            }
            emitter.Emit(new SequenceStart(null, null, false, SequenceStyle.Block));
            foreach (var value in values)
            {
                emitter.Emit(new Scalar(value));
            }
            emitter.Emit(new SequenceEnd());
        }
        emitter.Emit(new MappingEnd());
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
    }
}
