using System.CommandLine;
using System.CommandLine.Parsing;
using Hookline.Cli.Output;

namespace Hookline.Cli.Clients;

/// <summary>
/// Where a command takes its bearer token from, best first: <c>--token-file PATH</c>, <c>$HOOKLINE_TOKEN</c>, or the
/// old <c>--token VALUE</c>, which still works but warns: every local user sees a command line in <c>ps</c>.
/// </summary>
internal static class TokenFile
{
    /// <summary>A token is one line; anything much longer is not a token file.</summary>
    private const int MaxBytes = 16 * 1024;

    private const UnixFileMode OthersMayRead = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary><c>--token-file</c>: its value is the file's content (trimmed); an unreadable or empty file is a usage error.</summary>
    public static Option<string?> Option(string description) => new("--token-file")
    {
        Description = description + ": a file holding it (mode 0600); default: $HOOKLINE_TOKEN",
        CustomParser = Read,
    };

    /// <summary><c>--token VALUE</c>, kept for old scripts.</summary>
    public static Option<string?> LegacyOption(string description) => new("--token")
    {
        Description = description + " (deprecated: shows the secret in ps; use --token-file or $HOOKLINE_TOKEN)",
    };

    public static string? Value(ParseResult parse, Option<string?> legacy, Option<string?> file)
    {
        if (parse.GetValue(file) is { Length: > 0 } fromFile)
        {
            return fromFile;
        }
        if (parse.GetValue(legacy) is { Length: > 0 } given)
        {
            parse.Error().WriteLine("hookline: warning: --token shows the secret to every local user (ps, /proc); use --token-file PATH or $HOOKLINE_TOKEN");
            return given;
        }
        return Environment.GetEnvironmentVariable("HOOKLINE_TOKEN") is { Length: > 0 } env ? env : null;
    }

    private static string? Read(ArgumentResult result)
    {
        var path = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file.SafeFileHandle) & OthersMayRead) != 0)
            {
                Console.Error.WriteLine($"hookline: warning: --token-file {path} is readable by other users (mode " +
                    $"{Convert.ToString((int)File.GetUnixFileMode(file.SafeFileHandle), 8)}); chmod 600 it");
            }
            // Read a bounded prefix, never "to the end": a FIFO or /dev/zero has no length and no end.
            var buffer = new byte[MaxBytes + 1];
            var read = 0;
            for (int got; read < buffer.Length && (got = file.Read(buffer, read, buffer.Length - read)) > 0;)
            {
                read += got;
            }
            if (read > MaxBytes)
            {
                result.AddError($"--token-file {path}: more than {MaxBytes} bytes is not a token");
                return null;
            }
            var token = System.Text.Encoding.UTF8.GetString(buffer, 0, read).Trim();
            if (token.Length == 0)
            {
                result.AddError($"--token-file {path}: the file is empty");
                return null;
            }
            return token;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            result.AddError($"--token-file {path}: {ex.Message}");
            return null;
        }
    }
}
