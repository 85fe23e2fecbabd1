// These tests drive Unix sockets, signals and file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
