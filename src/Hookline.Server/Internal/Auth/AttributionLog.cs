using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal;

/// <summary>Token admin, with who did it (a policy apply is logged as the epoch put in force, "by" whom) (<see cref="Auth.Attribution"/>).</summary>
internal static partial class Log
{
    [LoggerMessage(1751, LogLevel.Information, "Token {TokenId} ({Name}, scope {Scope}) created by {CreatedBy}")]
    public static partial void TokenCreated(ILogger logger, string tokenId, string name, string scope, string createdBy);

    [LoggerMessage(1752, LogLevel.Information, "Token {TokenId} ({Name}) revoked by {RevokedBy}")]
    public static partial void TokenRevoked(ILogger logger, string tokenId, string name, string revokedBy);
}
