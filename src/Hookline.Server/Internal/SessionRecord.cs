using Hookline.Contracts.V1;

namespace Hookline.Server.Internal;

internal sealed record SessionRecord(
    string SessionId,
    string Agent,
    string AgentSessionId,
    string Cwd,
    string User,
    SessionStatus Status,
    long CreatedAtMs,
    long LastSeenMs,
    long? EndedAtMs);
