using System.Buffers;
using Grpc.Core;

namespace Hookline.Server.Internal.InProcess;

internal static class InProcessMarshalling
{
    /// <summary>The gRPC message cap of the server and the sidecar, so the link refuses what the network would.</summary>
    public const int MaxMessageBytes = Core.MessageLimits.MaxMessageBytes;

    /// <summary>A message as the other side would decode it from the wire; refused above the cap, as gRPC does.</summary>
    public static T Copy<T>(T message, Marshaller<T> marshaller)
    {
        var serialization = new Serialization();
        marshaller.ContextualSerializer(message, serialization);
        var bytes = serialization.Payload;
        if (bytes.Length > MaxMessageBytes)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"message of {bytes.Length} bytes exceeds the {MaxMessageBytes}-byte limit"));
        }
        return marshaller.ContextualDeserializer(new Deserialization(bytes));
    }

    private sealed class Serialization : SerializationContext
    {
        private readonly ArrayBufferWriter<byte> _buffer = new();
        private byte[]? _complete;

        public ReadOnlyMemory<byte> Payload => _complete ?? _buffer.WrittenMemory;

        public override void Complete(byte[] payload) => _complete = payload;

        public override IBufferWriter<byte> GetBufferWriter() => _buffer;

        public override void Complete()
        {
        }
    }

    private sealed class Deserialization(ReadOnlyMemory<byte> payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => payload.ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }
}
