using System.Runtime.Versioning;

// The hook is a linux-x64 Native AOT binary talking over Unix sockets; so are its tests.
[assembly: SupportedOSPlatform("linux")]
