using System.Text;

namespace Hookline.Hook.Internal;

/// <summary>
/// Starts the per-user daemon when its socket does not answer: <c>hookline sidecar --daemon --exit-when-idle</c>, from
/// beside this binary, in a new session (POSIX_SPAWN_SETSID), so neither the agent's kill of the hook's process group
/// nor a closed terminal takes it down. Its output goes to /dev/null; the hook never waits for it to exit.
/// Off when HOOKLINE_AUTOSTART is 0, off or false. It gets only the variables that locate the user's own paths
/// (<see cref="Passed"/>), not the agent's environment: that is one project's (its settings, its <c>.env</c>, direnv),
/// and the daemon serves every session of the user, so HOOKLINE_SERVER, HOOKLINE_TOKEN, SSL_CERT_FILE, LD_PRELOAD and
/// the like there must not configure it; it reads its server from the user's recorded configuration.
/// </summary>
internal static unsafe class DaemonLauncher
{
    private const short PosixSpawnSetSid = 0x80;
    private const int ReadWrite = 2;

    internal static bool Enabled()
    {
        var value = Environment.GetEnvironmentVariable("HOOKLINE_AUTOSTART")?.Trim();
        return !(string.Equals(value, "0", StringComparison.Ordinal)
            || string.Equals(value, "off", StringComparison.OrdinalIgnoreCase)
            || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The <c>hookline</c> program beside this one, or null.</summary>
    internal static string? Program()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "hookline");
        return File.Exists(path) ? path : null;
    }

    /// <summary>Spawns the daemon; false when it could not be started.</summary>
    internal static bool TryStart(string program)
    {
        string[] argv = [program, "sidecar", "--daemon", "--exit-when-idle", "--log-level", "Warning"];
        var environment = Environment.GetEnvironmentVariables();
        var envp = new List<string>(environment.Count);
        foreach (System.Collections.DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && Passed(name))
            {
                envp.Add(name + "=" + entry.Value);
            }
        }
        var handles = new List<nint>();
        try
        {
            var path = Utf8(program, handles);
            var args = Array(argv, handles);
            var env = Array([.. envp], handles);
            var actions = stackalloc byte[Libc.SpawnFileActionsBytes];
            var attributes = stackalloc byte[Libc.SpawnAttrBytes];
            if (Libc.SpawnFileActionsInit(actions) != 0 || Libc.SpawnAttrInit(attributes) != 0)
            {
                return false;
            }
            try
            {
                var devNull = Utf8("/dev/null", handles);
                for (var fd = 0; fd <= 2; fd++)
                {
                    _ = Libc.SpawnFileActionsAddOpen(actions, fd, devNull, ReadWrite, 0);
                }
                _ = Libc.SpawnAttrSetFlags(attributes, PosixSpawnSetSid);
                int pid;
                return Libc.PosixSpawn(&pid, path, actions, attributes, args, env) == 0;
            }
            finally
            {
                _ = Libc.SpawnFileActionsDestroy(actions);
                _ = Libc.SpawnAttrDestroy(attributes);
            }
        }
        finally
        {
            foreach (var handle in handles)
            {
                System.Runtime.InteropServices.NativeMemory.Free((void*)handle);
            }
        }
    }

    /// <summary>The variables the daemon is started with: where the user's home, config, state and runtime files are.</summary>
    internal static bool Passed(string name) => name is "HOME" or "USER" or "LOGNAME" or "PATH" or "LANG" or "TMPDIR"
        or "XDG_RUNTIME_DIR" or "XDG_STATE_HOME" or "XDG_CONFIG_HOME" or "XDG_DATA_HOME" or "HOOKLINE_ORPHAN_FILE"
        || name.StartsWith("LC_", StringComparison.Ordinal);

    private static byte* Utf8(string text, List<nint> handles)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        var buffer = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)count + 1);
        handles.Add((nint)buffer);
        Encoding.UTF8.GetBytes(text, new Span<byte>(buffer, count));
        buffer[count] = 0;
        return buffer;
    }

    private static byte** Array(string[] items, List<nint> handles)
    {
        var array = (byte**)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)(items.Length + 1), (nuint)sizeof(nint));
        handles.Add((nint)array);
        for (var i = 0; i < items.Length; i++)
        {
            array[i] = Utf8(items[i], handles);
        }
        array[items.Length] = null;
        return array;
    }
}
