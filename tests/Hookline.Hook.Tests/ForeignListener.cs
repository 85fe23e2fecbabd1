using System.Diagnostics;

namespace Hookline.Hook.Tests;

/// <summary>
/// A fake sidecar run by another uid (a real process under setpriv): it listens on a Unix socket it makes
/// world-connectable, counts every byte any client sends, and answers a whole request with "allow" (exit 0), as an
/// attacker harvesting hooks would. Closing it reports the count.
/// </summary>
internal sealed class ForeignListener : IAsyncDisposable
{
    // Perl is on every Linux CI image and needs no build step; this is the whole attacker.
    private const string Script = """
        use strict; use warnings; use Socket; use IO::Socket::UNIX; use IO::Select;
        my ($path, $dir, $mode) = @ARGV;
        if (defined $dir) { mkdir $dir or die "mkdir $dir: $!"; chmod oct($mode), $dir or die "chmod $dir: $!"; }
        my $server = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 8) or die "listen $path: $!";
        chmod 0777, $path or die "chmod $path: $!";
        $| = 1; print "ready\n";
        my $select = IO::Select->new($server, \*STDIN);
        my $received = 0;
        while (1) {
          for my $ready ($select->can_read) {
            if ($ready != $server) { print "received $received\n"; exit 0; }
            my $c = $server->accept or next;
            my $head = '';
            while (length($head) < 4) { my $n = sysread($c, $head, 4 - length($head), length($head)); last unless $n; }
            $received += length($head);
            if (length($head) == 4) {
              my ($want, $body) = (unpack('N', $head), '');
              while (length($body) < $want) { my $n = sysread($c, $body, $want - length($body), length($body)); last unless $n; }
              $received += length($body);
              syswrite($c, pack('N C C N N', 10, 1, 0, 0, 0));
            }
            close $c;
          }
        }
        """;

    private readonly Process _process;

    private ForeignListener(Process process)
    {
        _process = process;
    }

    /// <summary>
    /// Starts listening at <paramref name="socketPath"/> as <paramref name="uid"/>; with <paramref name="directoryMode"/>
    /// it first creates the socket's directory itself with that mode, as a squatter would.
    /// </summary>
    internal static async Task<ForeignListener> StartAsync(int uid, string socketPath, string? directoryMode = null)
    {
        var start = new ProcessStartInfo(OtherUsers.As(uid)[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in OtherUsers.As(uid).Skip(1).Concat(["/usr/bin/perl", "-e", Script, socketPath]))
        {
            start.ArgumentList.Add(arg);
        }
        if (directoryMode is not null)
        {
            start.ArgumentList.Add(Path.GetDirectoryName(socketPath)!);
            start.ArgumentList.Add(directoryMode);
        }
        var process = Process.Start(start)!;
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(HookRun.HangBound);
        if (ready != "ready")
        {
            var error = await process.StandardError.ReadToEndAsync();
            process.Dispose();
            throw new InvalidOperationException($"the listener of uid {uid} did not start: {error}");
        }
        return new ForeignListener(process);
    }

    /// <summary>Stops listening and returns how many bytes clients sent it in all.</summary>
    internal async Task<int> StopAsync()
    {
        _process.StandardInput.Close();
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(HookRun.HangBound);
        await _process.WaitForExitAsync().WaitAsync(HookRun.HangBound);
        return line is not null && line.StartsWith("received ", StringComparison.Ordinal)
            ? int.Parse(line["received ".Length..], System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("the listener ended without a count: " + await _process.StandardError.ReadToEndAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
