namespace Hookline.Core;

/// <summary>
/// How large one event and one stream message may be, shared by the sidecar, the server and the in-process link so
/// that whatever a sidecar sends, the server accepts.
/// </summary>
public static class MessageLimits
{
    /// <summary>
    /// One hook event at most. Its payload fields (tool input, tool response, prompt) are disjoint slices of one hook's
    /// stdin, which the hook frame caps at 10 MiB; input that cannot be decoded is kept as raw bytes cut to fit here.
    /// The 2 MiB above the frame cap covers ids, paths and the fields an adapter adds.
    /// </summary>
    public const int MaxEventBytes = 12 * 1024 * 1024;

    /// <summary>One gRPC message of the stream, both ways: an event in its envelope, or a policy snapshot.</summary>
    public const int MaxMessageBytes = MaxEventBytes + 256 * 1024;
}
