using System.Text.Json.Serialization;

namespace Hookline.Policy.Internal.Document;

/// <summary>Source-generated JSON metadata, so the library stays trimming- and AOT-safe.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;
