namespace Hookline.Agents.Tests;

/// <summary>The npm-installed agent clients, and the published Hookline binaries they are wired to.</summary>
internal static class AgentClients
{
    /// <summary><c>artifacts/bin/hookline</c>, made by <c>./build.sh</c> (never published here: a missing one skips).</summary>
    public static string Hookline => Path.Combine(Repository.Bin, "hookline");

    public static string Hook => Path.Combine(Repository.Bin, "hookline-hook");

    /// <summary>The pinned clients of <c>tests/agents/package.json</c> (<c>npm install --no-save</c> there installs what the lock holds).</summary>
    public static string Client(string name) => Path.Combine(Repository.Root, "tests", "agents", "node_modules", ".bin", name);

    /// <summary>The launcher: this test assembly (see <see cref="Program"/>).</summary>
    public static string Launcher => typeof(Program).Assembly.Location;

    /// <summary>Skips outside CI, fails in CI (<see cref="Requires"/>) when a client or the published binaries are missing.</summary>
    /// <param name="withHookline">Whether the test also needs the published Hookline binaries.</param>
    public static void RequireClient(string name, bool withHookline = true) =>
        Requires.Files(withHookline ? [Client(name), Hookline, Hook] : [Client(name)], "run `npm install --no-save` in tests/agents and ./build.sh");
}
