using System.Security.Cryptography;

namespace Hookline.Server;

/// <summary>
/// A bearer secret that lives only in this process (see <see cref="HooklineServerOptions.RunCredentials"/>): made for
/// one run, gone when it ends, so nothing is left to revoke. <see cref="Name"/> is how it is attributed.
/// </summary>
public sealed record RunCredential(string Name, TokenScope Scope, string Secret)
{
    /// <summary>A new random credential of <paramref name="scope"/>, in the shape of a stored token.</summary>
    public static RunCredential Create(string name, TokenScope scope) => new(name, scope, Tokens.NewSecret());

    /// <summary>Never the secret, should a record be logged.</summary>
    public override string ToString() => $"RunCredential {{ Name = {Name}, Scope = {Tokens.Name(Scope)} }}";

    internal bool Matches(byte[] presentedHash) => CryptographicOperations.FixedTimeEquals(Tokens.Hash(Secret), presentedHash);
}
