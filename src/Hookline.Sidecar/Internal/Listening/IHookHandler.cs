using Hookline.Sidecar.Internal.Decisions;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>Answers one hook request: a session's <see cref="HookProcessor"/>, or the daemon's router over many sessions.</summary>
internal interface IHookHandler
{
    /// <param name="readAt">When the request was read (<see cref="TimeProvider.GetTimestamp"/>): the budget runs from here.</param>
    ValueTask<HookReply> HandleAsync(HookRequest request, long readAt);

    /// <summary>What a blocking hook gets when answering it threw (<see cref="HookFailure"/>).</summary>
    SidecarFailMode FailMode { get; }
}
