using System.Diagnostics;
using System.Text.Json;

namespace Hookline.Cli.Wiring;

/// <summary>One hook as Codex itself lists it: its trust key, its current hash, and whether it is trusted.</summary>
/// <remarks>Public, as <see cref="CodexAppServer"/> is: the agents' tests ask Codex through this same client.</remarks>
public sealed record CodexHook(string Key, string Command, string SourcePath, string CurrentHash, string TrustStatus)
{
    public bool Trusted => TrustStatus == "trusted";
}

/// <summary>
/// Asks the installed Codex which hooks it sees: <c>codex app-server</c> speaks JSON-RPC on stdio, and its
/// <c>hooks/list</c> method reports each hook's trust key and current hash. The hash is Codex's own (it covers the
/// hook's definition), so Hookline takes it from Codex instead of computing it.
/// </summary>
public static class CodexAppServer
{
    /// <summary>The <c>codex</c> program: <paramref name="command"/> if it names a file, else the first on PATH; null if none.</summary>
    public static string? Find(string? command)
    {
        if (command is { Length: > 0 } && command.Contains('/'))
        {
            return File.Exists(command) ? Path.GetFullPath(command) : null;
        }
        var name = command is { Length: > 0 } ? command : "codex";
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The hooks Codex loads for <paramref name="cwd"/> with <paramref name="codexHome"/> as its home.</summary>
    /// <exception cref="InvalidOperationException">Codex did not answer in time, or answered with an error.</exception>
    public static async Task<IReadOnlyList<CodexHook>> ListHooksAsync(string codex, string codexHome, string cwd, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(codex)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = cwd,
        };
        start.ArgumentList.Add("app-server");
        start.Environment["CODEX_HOME"] = codexHome;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {codex}");
        _ = process.StandardError.ReadToEndAsync(); // drained, so that Codex never blocks on a full pipe
        using var cancel = new CancellationTokenSource(timeout, TimeProvider.System);
        try
        {
            await process.StandardInput.WriteAsync(
                """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"hookline","version":"1"}}}
                {"jsonrpc":"2.0","method":"initialized"}
                {"jsonrpc":"2.0","id":2,"method":"hooks/list","params":{}}

                """.AsMemory(), cancel.Token);
            await process.StandardInput.FlushAsync(cancel.Token);
            while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
            {
                if (Answer(line) is { } hooks)
                {
                    return hooks;
                }
            }
            throw new InvalidOperationException($"{codex} app-server ended without listing its hooks");
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"{codex} app-server did not list its hooks within {timeout.TotalSeconds:F0} s");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The hooks of a <c>hooks/list</c> answer (id 2); null for any other message.</summary>
    internal static IReadOnlyList<CodexHook>? Answer(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || id.GetInt32() != 2)
        {
            return null;
        }
        if (root.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException("codex app-server refused hooks/list: " + error.GetRawText());
        }
        var hooks = new List<CodexHook>();
        foreach (var scope in root.GetProperty("result").GetProperty("data").EnumerateArray())
        {
            foreach (var hook in scope.GetProperty("hooks").EnumerateArray())
            {
                hooks.Add(new CodexHook(Text(hook, "key"), Text(hook, "command"), Text(hook, "sourcePath"), Text(hook, "currentHash"), Text(hook, "trustStatus")));
            }
        }
        return hooks;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
