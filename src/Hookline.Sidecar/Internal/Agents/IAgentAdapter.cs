using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>Decodes one agent's hook stdin into a canonical event, and encodes a decision in that agent's native answer.</summary>
internal interface IAgentAdapter
{
    string Name { get; }

    /// <summary>Whether the agent waits on this event's answer (so a decision is needed within the budget).</summary>
    bool IsBlocking(string hookEvent);

    /// <summary>The canonical event name (PreToolUse, ...) for the agent's kebab-case event name.</summary>
    string CanonicalEvent(string hookEvent);

    /// <summary>Fills <paramref name="target"/> from the agent's stdin. Returns false with a reason when it is malformed.</summary>
    bool TryDecode(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error);

    HookReply Encode(string hookEvent, HookOutcome outcome);
}
