using System.Text;
using Hookline.Shared;

namespace Hookline.Hook.Internal;

/// <summary>
/// One request, one reply over a non-blocking Unix stream socket. The deadline bounds connect + write + read;
/// a socket that is missing or refuses fails at once. Nothing is sent unless <see cref="SocketTrust"/> passes both the
/// socket's directory (before connecting) and the listener's uid (after). Interim replies (the call waits for a
/// person's approval) may come first: each moves the deadline to what it says, never past the approval deadline.
/// </summary>
internal static unsafe class SidecarClient
{
    private const int SunPathBytes = 108;
    private const int ConnectRetryPauseMs = 2;

    /// <summary>Sends <paramref name="request"/> and reads the reply payload; null payload means failure.</summary>
    /// <param name="deadline">When the exchange gives up (<see cref="Environment.TickCount64"/>).</param>
    /// <param name="timeoutMs">The budget <paramref name="deadline"/> came from, as failures name it.</param>
    /// <param name="approvalDeadline">The latest an interim reply may move the deadline to (<see cref="Environment.TickCount64"/>).</param>
    internal static byte[]? Exchange(string socketPath, ReadOnlySpan<byte> request, long deadline, int timeoutMs, long approvalDeadline, out SidecarFailure failure)
    {
        if (SocketTrust.DirectoryProblem(socketPath, out var missing) is { } untrusted)
        {
            failure = SidecarFailure.Untrust(untrusted);
            return null;
        }
        if (missing)
        {
            failure = SidecarFailure.Unreachable("connect " + socketPath + ": its directory does not exist");
            return null;
        }
        var fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            failure = SidecarFailure.Unreachable("socket(): " + Libc.Describe(Libc.LastErrno));
            return null;
        }
        try
        {
            if (!TryConnect(fd, socketPath, deadline, timeoutMs, out failure))
            {
                return null;
            }
            if (SocketTrust.PeerProblem(fd) is { } stranger)
            {
                failure = SidecarFailure.Untrust(stranger);
                return null;
            }
            if (!TrySendAll(fd, request, deadline, timeoutMs, out failure))
            {
                return null;
            }
            return ReceiveFinalReply(fd, deadline, timeoutMs, approvalDeadline, out failure);
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    private static bool TryConnect(int fd, string socketPath, long deadline, int timeoutMs, out SidecarFailure failure)
    {
        var address = stackalloc byte[2 + SunPathBytes];
        new Span<byte>(address, 2 + SunPathBytes).Clear();
        *(ushort*)address = Libc.AF_UNIX;
        var pathBytes = Encoding.UTF8.GetByteCount(socketPath);
        if (pathBytes >= SunPathBytes)
        {
            failure = SidecarFailure.Unreachable("socket path is " + pathBytes + " bytes, the limit is " + (SunPathBytes - 1));
            return false;
        }
        Encoding.UTF8.GetBytes(socketPath, new Span<byte>(address + 2, SunPathBytes));
        var addressLength = (uint)(2 + pathBytes + 1);

        while (true)
        {
            if (Libc.Connect(fd, address, addressLength) == 0)
            {
                failure = default;
                return true;
            }
            var errno = Libc.LastErrno;
            if (errno == Libc.EINTR)
            {
                continue;
            }
            if (errno == Libc.EAGAIN)
            {
                // The listener's backlog is full: the sidecar is alive but busy, so retry until the deadline.
                if (!TryPause(deadline))
                {
                    failure = SidecarFailure.Silent("connect: backlog stayed full for " + timeoutMs + " ms");
                    return false;
                }
                continue;
            }
            if (errno == Libc.EINPROGRESS)
            {
                return TryFinishConnect(fd, deadline, timeoutMs, out failure);
            }
            failure = SidecarFailure.Unreachable("connect " + socketPath + ": " + Libc.Describe(errno));
            return false;
        }
    }

    private static bool TryFinishConnect(int fd, long deadline, int timeoutMs, out SidecarFailure failure)
    {
        if (!WaitFor(fd, Libc.POLLOUT, deadline))
        {
            failure = SidecarFailure.Silent("connect timed out after " + timeoutMs + " ms");
            return false;
        }
        int error = 0;
        uint length = sizeof(int);
        if (Libc.GetSockOpt(fd, LinuxAbi.SOL_SOCKET, Libc.SO_ERROR, &error, &length) != 0 || error != 0)
        {
            failure = SidecarFailure.Unreachable("connect: " + Libc.Describe(error != 0 ? error : Libc.LastErrno));
            return false;
        }
        failure = default;
        return true;
    }

    private static bool TrySendAll(int fd, ReadOnlySpan<byte> bytes, long deadline, int timeoutMs, out SidecarFailure failure)
    {
        fixed (byte* start = bytes)
        {
            var offset = 0;
            while (offset < bytes.Length)
            {
                // MSG_NOSIGNAL: a sidecar that hangs up must give EPIPE, not kill the hook with SIGPIPE.
                var sent = Libc.Send(fd, start + offset, bytes.Length - offset, Libc.MSG_NOSIGNAL);
                if (sent >= 0)
                {
                    offset += (int)sent;
                    continue;
                }
                var errno = Libc.LastErrno;
                if (errno == Libc.EINTR)
                {
                    continue;
                }
                if (errno == Libc.EAGAIN)
                {
                    if (!WaitFor(fd, Libc.POLLOUT, deadline))
                    {
                        failure = SidecarFailure.Silent("request not taken within " + timeoutMs + " ms");
                        return false;
                    }
                    continue;
                }
                failure = SidecarFailure.Failed("sending the request: " + Libc.Describe(errno));
                return false;
            }
        }
        failure = default;
        return true;
    }

    /// <summary>Reads replies until the final one; an interim reply extends the deadline and shows its message.</summary>
    private static byte[]? ReceiveFinalReply(int fd, long deadline, int timeoutMs, long approvalDeadline, out SidecarFailure failure)
    {
        while (true)
        {
            var payload = ReceiveReply(fd, deadline, timeoutMs, out failure);
            if (payload is null || !ReplyFrame.IsInterim(payload))
            {
                return payload;
            }
            if (!ReplyFrame.TryParseInterim(payload, out var waitMs, out var message, out var problem))
            {
                failure = SidecarFailure.Failed(problem);
                return null;
            }
            var now = Environment.TickCount64;
            deadline = Math.Max(deadline, Math.Min(now + waitMs, approvalDeadline));
            timeoutMs = (int)(deadline - now);
            if (message.Length > 0)
            {
                FdOutput.WriteErrorLine("hookline: " + Printable.Of(Encoding.UTF8.GetString(message)));
            }
        }
    }

    private static byte[]? ReceiveReply(int fd, long deadline, int timeoutMs, out SidecarFailure failure)
    {
        // The reply is never there right after the send: poll first rather than spend a read on EAGAIN.
        if (!WaitFor(fd, Libc.POLLIN, deadline))
        {
            failure = SidecarFailure.Silent("no reply length within " + timeoutMs + " ms");
            return null;
        }
        Span<byte> prefix = stackalloc byte[HookFrame.LengthPrefixBytes];
        var got = ReceiveExactly(fd, prefix, deadline, out var errno);
        if (got < prefix.Length)
        {
            failure = ReceiveFailure(got, prefix.Length, errno, timeoutMs, "reply length");
            return null;
        }
        var declared = HookFrame.ReadLength(prefix);
        if (!HookFrame.IsWithinCap(declared))
        {
            failure = SidecarFailure.Failed("reply length " + declared + " exceeds the 10 MiB cap");
            return null;
        }
        var payload = new byte[declared];
        got = ReceiveExactly(fd, payload, deadline, out errno);
        if (got < payload.Length)
        {
            failure = ReceiveFailure(got, payload.Length, errno, timeoutMs, "reply");
            return null;
        }
        failure = default;
        return payload;
    }

    private static SidecarFailure ReceiveFailure(int got, int wanted, int errno, int timeoutMs, string what)
    {
        if (errno == Libc.EAGAIN)
        {
            return SidecarFailure.Silent("no " + what + " within " + timeoutMs + " ms");
        }
        if (errno != 0)
        {
            return SidecarFailure.Failed("reading the " + what + ": " + Libc.Describe(errno));
        }
        return SidecarFailure.Failed(what + " truncated: " + got + " of " + wanted + " bytes before the connection closed");
    }

    /// <summary>
    /// Fills <paramref name="target"/> unless EOF, an error or the deadline comes first; returns the bytes read.
    /// <paramref name="errno"/> is 0 for EOF, EAGAIN for the deadline, else the read error.
    /// </summary>
    private static int ReceiveExactly(int fd, Span<byte> target, long deadline, out int errno)
    {
        errno = 0;
        var count = 0;
        fixed (byte* start = target)
        {
            while (count < target.Length)
            {
                var read = Libc.Read(fd, start + count, target.Length - count);
                if (read > 0)
                {
                    count += (int)read;
                    continue;
                }
                if (read == 0)
                {
                    errno = 0;
                    return count;
                }
                errno = Libc.LastErrno;
                if (errno == Libc.EINTR)
                {
                    continue;
                }
                if (errno != Libc.EAGAIN || !WaitFor(fd, Libc.POLLIN, deadline))
                {
                    return count;
                }
            }
        }
        errno = 0;
        return count;
    }

    /// <summary>Polls for <paramref name="events"/> until the deadline; false when it passed first.</summary>
    private static bool WaitFor(int fd, short events, long deadline)
    {
        while (true)
        {
            var remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                return false;
            }
            var pollFd = new Libc.PollFd { Fd = fd, Events = events };
            var ready = Libc.Poll(&pollFd, 1, (int)remaining);
            if (ready > 0)
            {
                // POLLHUP/POLLERR also count: the next read or send reports what happened.
                return true;
            }
            if (ready < 0 && Libc.LastErrno != Libc.EINTR)
            {
                return true;
            }
        }
    }

    private static bool TryPause(long deadline)
    {
        var remaining = deadline - Environment.TickCount64;
        if (remaining <= 0)
        {
            return false;
        }
        Libc.Poll(null, 0, (int)Math.Min(remaining, ConnectRetryPauseMs));
        return true;
    }
}
