using System.Diagnostics;

namespace Hookline.EndToEnd.Tests;

/// <summary>
/// A server that cannot read its files (a certificate left readable by root only, as docs/deploy.md's TLS steps would
/// leave it without the step that opens it to the hookline group) says so and exits 2, instead of an unhandled exception.
/// </summary>
public sealed class ServerStartErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hl-unread-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableFact]
    public async Task A_certificate_the_server_user_cannot_read_is_a_clear_error_and_exit_2()
    {
        Requires.Root("to run the server as another local user through setpriv");
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        var hookline = Path.Combine(_dir, "hookline");
        File.Copy(Artifacts.Hookline, hookline);
        var (cert, key) = (Path.Combine(_dir, "server.pem"), Path.Combine(_dir, "server-key.pem"));
        foreach (var file in new[] { cert, key })
        {
            await File.WriteAllTextAsync(file, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var data = Directory.CreateDirectory(Path.Combine(_dir, "data"), (UnixFileMode)0b111_111_111).FullName;

        var start = new ProcessStartInfo("setpriv",
        [
            "--reuid=65534", "--regid=65534", "--clear-groups", hookline, "server", "--listen", $"https://127.0.0.1:{Ports.Free()}",
            "--http-listen", $"https://127.0.0.1:{Ports.Free()}", "--data", data, "--tls-cert", cert, "--tls-key", key,
        ]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        Assert.True(process.ExitCode == 2, $"exit {process.ExitCode}: {output}");
        Assert.Contains("hookline server: ", output);
        Assert.Contains(cert, output);
        Assert.DoesNotContain("Unhandled exception", output);
    }
}
