using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>The decision the sidecar applies to one hook, before it is put in the agent's native shape.</summary>
/// <param name="IsDefault">No rule matched and the document default decided: an allow then gives no answer.</param>
/// <param name="UpdatedInput">The whole tool input to run with, when the policy rewrote it; else empty.</param>
/// <param name="DecodedInput">The tool input as decoded, which the rewrite started from (only needed with <paramref name="UpdatedInput"/>).</param>
internal sealed record HookOutcome(Verdict Verdict, bool IsDefault, string Reason, DecisionSource Source,
    ReadOnlyMemory<byte> UpdatedInput = default, ReadOnlyMemory<byte> DecodedInput = default);
