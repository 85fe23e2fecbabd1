using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Policy;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// Gemini CLI's and Qwen Code's shell tools take the directory the command runs in as an argument (<c>dir_path</c>,
/// <c>directory</c>): relative paths in the command mean files there, so it becomes the event's cwd. A relative
/// directory is resolved against the cwd, as the agents do. The session's root stays where it was.
/// </summary>
internal static class ShellDirectory
{
    internal static void Apply(HookEvent target, string field)
    {
        if (target.ToolName != ToolNames.Bash || target.ToolInput.IsEmpty)
        {
            return;
        }
        using var input = JsonDocument.Parse(target.ToolInput.Memory);
        if (input.RootElement.ValueKind != JsonValueKind.Object
            || !input.RootElement.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String
            || value.GetString() is not { Length: > 0 } path)
        {
            return;
        }
        var directory = path.StartsWith('/') ? path : Path.Combine(target.Cwd.Length > 0 ? target.Cwd : "/", path);
        if (directory == target.Cwd)
        {
            return;
        }
        if (target.ProjectDirectory.Length == 0)
        {
            target.ProjectDirectory = target.Cwd;
        }
        target.Cwd = directory;
    }
}
