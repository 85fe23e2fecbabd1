using Google.Protobuf.WellKnownTypes;
using Hookline.Policy;
using PolicySnapshotV1 = Hookline.Contracts.V1.PolicySnapshot;
using FailModeV1 = Hookline.Contracts.V1.FailMode;
using PayloadCapture = Hookline.Contracts.V1.PayloadCapture;

namespace Hookline.Core;

/// <summary>Converts policy snapshots to and from their wire form.</summary>
public static class SnapshotCodec
{
    /// <summary>The wire form the server pushes on stream open and on every reload.</summary>
    public static PolicySnapshotV1 ToProto(PolicySnapshot snapshot, EventCapture? capture = null)
    {
        var document = snapshot.Policy.Document;
        var message = new PolicySnapshotV1
        {
            Epoch = snapshot.Epoch,
            Hash = document.Hash,
            Document = document.Text,
            Mode = DecisionEngine.ToProto(document.Mode),
            IssuedAt = Timestamp.FromDateTimeOffset(snapshot.IssuedAt),
        };
        if (document.FailMode is { } failMode)
        {
            message.FailMode = failMode == Hookline.Policy.FailMode.Open ? FailModeV1.Open : FailModeV1.Closed;
        }
        if (document.BudgetMs is { } budget)
        {
            message.BudgetMs = (uint)budget;
        }
        if (document.MaxSnapshotAge is { } maxAge)
        {
            message.MaxAgeMs = (ulong)maxAge.TotalMilliseconds;
        }
        message.RequiredFeatures.AddRange(document.RequiredFeatures);
        if (capture is not null)
        {
            message.Capture = capture.Mode switch
            {
                CaptureMode.None => PayloadCapture.None,
                CaptureMode.Full => PayloadCapture.Full,
                _ => PayloadCapture.Redacted,
            };
            message.CaptureMaxBytes = (uint)capture.MaxBytes;
        }
        return message;
    }

    /// <summary>The capture a snapshot carries, or <paramref name="fallback"/> when the server did not say.</summary>
    public static EventCapture CaptureOf(PolicySnapshotV1 message, EventCapture fallback)
    {
        if (!message.HasCapture)
        {
            return fallback;
        }

        var mode = message.Capture switch
        {
            PayloadCapture.None => CaptureMode.None,
            PayloadCapture.Full => CaptureMode.Full,
            _ => CaptureMode.Redacted, // unknown values from a newer server: the safe reading
        };
        return new EventCapture(mode, message.HasCaptureMaxBytes ? (int)Math.Min(message.CaptureMaxBytes, int.MaxValue) : fallback.MaxBytes);
    }

    /// <summary>
    /// Compiles a pushed snapshot. The sidecar re-validates the document: a snapshot it cannot compile is refused
    /// (<see cref="PolicyException"/>) and the previous one stays in force.
    /// </summary>
    public static PolicySnapshot FromProto(PolicySnapshotV1 message)
    {
        var policy = CompiledPolicy.Load(message.Document, $"snapshot epoch {message.Epoch}");
        var issuedAt = message.IssuedAt?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch;
        return new PolicySnapshot(message.Epoch, policy, issuedAt);
    }
}
