using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// <c>X-Hookline-Signature: t=UNIX,v1=HEX</c>: HMAC-SHA256 with the shared secret over <c>t + "." + body</c>, so a
/// receiver can tell the body came from this server, unchanged, and (by <c>t</c>) recently.
/// </summary>
internal static class WebhookSignature
{
    public const string Header = "X-Hookline-Signature";

    public static string Sign(byte[] secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(secret, signed);
        return $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }
}
