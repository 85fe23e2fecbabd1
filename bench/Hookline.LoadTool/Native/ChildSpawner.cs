using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Hookline.LoadTool.Native;

/// <summary>
/// One result of <see cref="ChildSpawner.Run"/>: spawn → reaped, in Stopwatch ticks, and the child's minor page faults
/// from wait4's rusage. (Its ru_maxrss is useless here: posix_spawn's vfork child inherits the parent's high-water mark.)
/// </summary>
internal readonly record struct ChildRun(long Ticks, int ExitCode, long MinorFaults);

/// <summary>
/// Spawns one program over and over with posix_spawn and reaps it with wait4, the way an agent runs a hook, and
/// without the pipes, threads and SIGCHLD plumbing of <see cref="Process"/>. Stdin comes from a file; stdout and
/// stderr go to /dev/null. The argv, envp and file actions are built once. Blocking: call from a dedicated thread.
/// </summary>
internal sealed unsafe class ChildSpawner : IDisposable
{
    private readonly byte* _path;
    private readonly byte** _argv;
    private readonly byte** _envp;
    private readonly void* _fileActions;
    private readonly List<IntPtr> _allocations = [];

    public ChildSpawner(string path, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string stdinFile)
    {
        _path = Utf8(path);
        _argv = Array([path, .. arguments]);
        _envp = Array(environment.Select(e => $"{e.Key}={e.Value}").ToArray());
        _fileActions = NativeMemory.AllocZeroed(Libc.FileActionsSize);
        Check(Libc.posix_spawn_file_actions_init(_fileActions), "posix_spawn_file_actions_init");
        Check(Libc.posix_spawn_file_actions_addopen(_fileActions, 0, stdinFile, Libc.ReadOnly, 0), "addopen stdin");
        Check(Libc.posix_spawn_file_actions_addopen(_fileActions, 1, "/dev/null", Libc.WriteOnly, 0), "addopen stdout");
        Check(Libc.posix_spawn_file_actions_addopen(_fileActions, 2, "/dev/null", Libc.WriteOnly, 0), "addopen stderr");
    }

    public ChildRun Run()
    {
        int pid;
        int status;
        Libc.Rusage usage;
        var start = Stopwatch.GetTimestamp();
        Check(Libc.posix_spawn(&pid, _path, _fileActions, null, _argv, _envp), "posix_spawn");
        if (Libc.wait4(pid, &status, 0, &usage) != pid)
        {
            throw new InvalidOperationException($"wait4 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        var ticks = Stopwatch.GetTimestamp() - start;
        var exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
        return new ChildRun(ticks, exitCode, usage.MinorFaults);
    }

    public void Dispose()
    {
        _ = Libc.posix_spawn_file_actions_destroy(_fileActions);
        NativeMemory.Free(_fileActions);
        foreach (var allocation in _allocations)
        {
            NativeMemory.Free((void*)allocation);
        }
    }

    private byte* Utf8(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + "\0");
        var memory = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
        bytes.CopyTo(new Span<byte>(memory, bytes.Length));
        _allocations.Add((IntPtr)memory);
        return memory;
    }

    private byte** Array(string[] items)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)((items.Length + 1) * sizeof(byte*)));
        _allocations.Add((IntPtr)array);
        for (var i = 0; i < items.Length; i++)
        {
            array[i] = Utf8(items[i]);
        }
        return array;
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed: {result}");
        }
    }
}
