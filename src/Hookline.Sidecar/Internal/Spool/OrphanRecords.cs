using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Internal.Spool;

/// <summary>
/// Decisions the hook made alone while no sidecar answered, one JSON line each in the orphan file. A starting
/// sidecar takes the file over (an atomic rename, so hooks appending meanwhile start a new one), spools every
/// record as an event whose applied decision has source <c>hook</c>, and deletes the file once that is on disk.
/// </summary>
internal static class OrphanRecords
{
    /// <summary>Where the hook writes: $HOOKLINE_ORPHAN_FILE, else $XDG_STATE_HOME/hookline/orphans.jsonl, else ~/.local/state/hookline/orphans.jsonl.</summary>
    public static string DefaultPath()
    {
        var explicitFile = Environment.GetEnvironmentVariable("HOOKLINE_ORPHAN_FILE");
        if (!string.IsNullOrEmpty(explicitFile))
        {
            return explicitFile;
        }
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(stateHome) || !Path.IsPathRooted(stateHome))
        {
            stateHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }
        return Path.Combine(stateHome, "hookline", "orphans.jsonl");
    }

    /// <summary>Moves the records into <paramref name="spool"/>. Returns how many were taken; malformed lines are counted in <paramref name="skipped"/>.</summary>
    public static async Task<int> IngestAsync(string path, string sessionId, EventSpool spool, TimeProvider time, Action<string> skipped)
    {
        var claimed = $"{path}.{Environment.ProcessId}.sending";
        try
        {
            File.Move(path, claimed);
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
        var count = 0;
        foreach (var line in await File.ReadAllLinesAsync(claimed).ConfigureAwait(false))
        {
            if (line.Length == 0)
            {
                continue;
            }
            if (TryParse(line, sessionId, time) is { } hookEvent)
            {
                spool.Add(hookEvent, hookEvent.Applied);
                count++;
            }
            else
            {
                skipped(line);
            }
        }
        await spool.FlushToDiskAsync().ConfigureAwait(false);
        File.Delete(claimed);
        return count;
    }

    private static HookEvent? TryParse(string line, string sessionId, TimeProvider clock)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var agent = HookJson.String(root, "agent");
            var hookEvent = HookJson.String(root, "event");
            var decision = HookJson.String(root, "decision");
            if (agent.Length == 0 || hookEvent.Length == 0 || decision is not ("deny" or "allow"))
            {
                return null;
            }
            var time = DateTimeOffset.TryParse(HookJson.String(root, "time"), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : clock.GetUtcNow();
            var bytes = root.TryGetProperty("payload_bytes", out var b) && b.TryGetInt64(out var n) ? n : 0;
            var reason = $"{HookJson.String(root, "reason")} (decided by the hook alone; fail mode {HookJson.String(root, "fail_mode")}; " +
                $"payload {bytes} bytes, fnv1a64 {HookJson.String(root, "payload_fnv1a64")})";
            return new HookEvent
            {
                // The same line always gives the same id, so a record sent twice is stored once.
                EventId = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(line)).AsSpan(0, 16)).ToString(),
                SessionId = sessionId,
                Agent = agent,
                HookEventName = AgentAdapters.Find(agent)?.CanonicalEvent(hookEvent) ?? HookJson.PascalCase(hookEvent),
                NativeEvent = HookJson.PascalCase(hookEvent),
                Time = Timestamp.FromDateTimeOffset(time),
                Applied = new AppliedDecision
                {
                    Verdict = decision == "deny" ? Verdict.Deny : Verdict.Allow,
                    Source = DecisionSource.Hook,
                    Reason = reason,
                    ReasonCode = "hook",
                },
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
