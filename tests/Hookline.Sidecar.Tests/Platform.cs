// The hook socket, its directory checks and peer credentials are Unix; the suite is built and run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
