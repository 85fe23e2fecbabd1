namespace Hookline.Server.Internal.Auth;

/// <summary>The counted limits of each principal: open streams, and unary calls in progress.</summary>
internal sealed class PrincipalLimits(HooklineServerOptions options)
{
    public PrincipalSlots Streams { get; } = new(options.MaxStreamsPerPrincipal);

    /// <summary>
    /// Each unary call holds its request (up to one 12 MiB event) while it waits on the byte rate and the audit queue;
    /// this bounds how many one principal holds at once.
    /// </summary>
    public PrincipalSlots UnaryCalls { get; } = new(options.MaxUnaryCallsPerPrincipal);
}
