using Hookline.Policy;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// A session's policy memory as stored bytes: a format byte, then counts and values (strings UTF-8 with 7-bit lengths,
/// times as UTC ticks, so that a time read back is equal to the one written and merges count it once).
/// </summary>
internal static class SessionStateCodec
{
    private const byte Format = 1;

    public static byte[] Encode(PolicySessionMemory memory)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Format);
            WriteStrings(writer, memory.Taints);
            writer.Write(memory.DenialCount);
            WriteTimes(writer, memory.Denials);
            writer.Write7BitEncodedInt(memory.RateHits.Length);
            foreach (var rate in memory.RateHits)
            {
                writer.Write(rate.RuleId);
                WriteTimes(writer, rate.Hits);
            }
            WriteStrings(writer, memory.ToolUseIds);
        }
        return buffer.ToArray();
    }

    /// <summary>Reads stored bytes back; <see cref="FormatException"/> when they are not a memory this server can read.</summary>
    public static PolicySessionMemory Decode(byte[] bytes)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), System.Text.Encoding.UTF8);
            if (reader.ReadByte() != Format)
            {
                throw new FormatException("unknown session state format");
            }
            var taints = ReadStrings(reader, PolicySessionMemory.MaxTaints);
            var denialCount = reader.ReadInt64();
            var denials = ReadTimes(reader, PolicySessionMemory.MaxDenialTimes);
            var rates = new PolicyRateHits[Count(reader, PolicySessionMemory.MaxRateRules)];
            for (var i = 0; i < rates.Length; i++)
            {
                rates[i] = new PolicyRateHits(reader.ReadString(), [.. ReadTimes(reader, PolicySessionMemory.MaxHitsPerRule)]);
            }
            var toolUseIds = ReadStrings(reader, PolicySessionMemory.MaxToolUseIds);
            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new FormatException("trailing bytes after the session state");
            }
            return PolicySessionMemory.Create(taints, denialCount, denials, rates, toolUseIds);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or ArgumentOutOfRangeException)
        {
            throw new FormatException("truncated or damaged session state", ex);
        }
    }

    /// <summary>What to store: <paramref name="memory"/> merged with what is stored already (another replica's writes are kept).</summary>
    public static byte[] MergeWithStored(PolicySessionMemory memory, byte[]? stored)
    {
        if (stored is null)
        {
            return Encode(memory);
        }
        try
        {
            return Encode(memory.Merge(Decode(stored)));
        }
        catch (FormatException)
        {
            // Unreadable bytes cannot be merged; the live state replaces them.
            return Encode(memory);
        }
    }

    private static int Count(BinaryReader reader, int max)
    {
        var count = reader.Read7BitEncodedInt();
        return count >= 0 && count <= max ? count : throw new FormatException($"session state lists {count} entries where at most {max} are kept");
    }

    private static void WriteStrings(BinaryWriter writer, IReadOnlyCollection<string> values)
    {
        writer.Write7BitEncodedInt(values.Count);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static string[] ReadStrings(BinaryReader reader, int max)
    {
        var values = new string[Count(reader, max)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadString();
        }
        return values;
    }

    private static void WriteTimes(BinaryWriter writer, IReadOnlyCollection<DateTimeOffset> times)
    {
        writer.Write7BitEncodedInt(times.Count);
        foreach (var time in times)
        {
            writer.Write(time.UtcTicks);
        }
    }

    private static DateTimeOffset[] ReadTimes(BinaryReader reader, int max)
    {
        var times = new DateTimeOffset[Count(reader, max)];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
        }
        return times;
    }
}
