using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Shared;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.Transcripts;

/// <summary>
/// One session's report of the tool calls its agent's own record shows, for coverage: on Claude Code's Stop,
/// SubagentStop and SessionEnd the sidecar reads what was appended to the transcript since the last read and puts the
/// calls it shows as executed (<see cref="TranscriptLine"/>) and not reported yet on that event (<see cref="HookEvent.ExecutedCalls"/>). The read runs beside the hook,
/// which waits for it only <see cref="TranscriptLimits.Budget"/>: what it finds later goes with the next such event.
/// </summary>
/// <param name="readNew">Adds the calls appended to a transcript since the last read (<see cref="TranscriptReader.ReadNew"/>).</param>
internal sealed class ExecutedCalls(Action<string, List<ExecutedToolCall>> readNew, TimeSpan budget, TimeProvider time, ILogger logger)
{
    public ExecutedCalls(TranscriptReader reader, TimeProvider time, ILogger logger)
        : this(reader.ReadNew, reader.Limits.Budget, time, logger)
    {
    }

    /// <summary>Kept well under the stream's message cap; the rest goes with the next event.</summary>
    public const int MaxCallsPerEvent = 10_000;
    private const int MaxRemembered = 100_000;
    private const int MaxWantedFiles = 16;

    private readonly Lock _lock = new();
    private readonly List<string> _wanted = [];
    private readonly List<ExecutedToolCall> _found = [];
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private Task? _worker;

    /// <summary>Attaches the calls found so far to <paramref name="target"/>, if this hook names a transcript.</summary>
    public async ValueTask AttachAsync(string agent, string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target)
    {
        var paths = PathsOf(agent, hookEvent, stdin);
        if (paths.Count == 0)
        {
            return;
        }
        Task worker;
        lock (_lock)
        {
            foreach (var path in paths)
            {
                if (!_wanted.Contains(path) && _wanted.Count < MaxWantedFiles)
                {
                    _wanted.Add(path);
                }
            }
            worker = _worker ??= Task.Run(Work);
        }
        try
        {
            await worker.WaitAsync(budget, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            TranscriptLog.StillReading(logger, budget.TotalMilliseconds);
        }
        lock (_lock)
        {
            var count = Math.Min(_found.Count, MaxCallsPerEvent);
            target.ExecutedCalls.AddRange(_found.GetRange(0, count));
            _found.RemoveRange(0, count);
        }
        if (target.ExecutedCalls.Count > 0 && logger.IsEnabled(LogLevel.Information))
        {
            var ids = string.Join(", ", target.ExecutedCalls.Take(50).Select(c => c.ToolUseId)) + (target.ExecutedCalls.Count > 50 ? ", ..." : "");
            TranscriptLog.Attached(logger, target.ExecutedCalls.Count, target.HookEventName, ids);
        }
    }

    /// <summary>The transcripts a hook names: Claude's Stop and SessionEnd the session's, SubagentStop also the subagent's.</summary>
    internal static IReadOnlyList<string> PathsOf(string agent, string hookEvent, ReadOnlyMemory<byte> stdin)
    {
        if (agent != AgentNames.Claude || hookEvent is not ("stop" or "subagent-stop" or "session-end"))
        {
            return [];
        }
        try
        {
            using var document = JsonDocument.Parse(stdin, new JsonDocumentOptions { MaxDepth = 64 });
            var paths = new List<string>(2);
            foreach (var member in new[] { "agent_transcript_path", "transcript_path" })
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(member, out var value)
                    && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } path)
                {
                    paths.Add(path);
                }
            }
            return paths;
        }
        catch (Exception ex) when (Hookline.Policy.JsonValidity.IsMalformedInput(ex))
        {
            return [];
        }
    }

    /// <summary>Reads the wanted transcripts one after the other, until none is left.</summary>
    private void Work()
    {
        while (true)
        {
            string path;
            lock (_lock)
            {
                if (_wanted.Count == 0)
                {
                    _worker = null;
                    return;
                }
                path = _wanted[0];
                _wanted.RemoveAt(0);
            }
            var calls = new List<ExecutedToolCall>();
            try
            {
                readNew(path, calls);
            }
            catch (Exception ex)
            {
                // A read that fails reports nothing; the hook was answered and the session goes on.
                TranscriptLog.ReadFailed(logger, path, ex);
            }
            lock (_lock)
            {
                foreach (var call in calls)
                {
                    // A transcript read again from its start (replaced or cut short) reports nothing twice.
                    if ((_reported.Count >= MaxRemembered || _reported.Add(call.ToolUseId)) && _found.Count < MaxRemembered)
                    {
                        _found.Add(call);
                    }
                }
            }
        }
    }
}
