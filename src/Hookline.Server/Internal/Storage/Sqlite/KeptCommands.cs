using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

/// <summary>
/// The writer connection's commands, one per statement text, kept across batches: Microsoft.Data.Sqlite keeps a
/// command's prepared statements while its text is unchanged, so a batch no longer parses and plans every statement
/// again. Used only under the writer lock, by one write at a time; bounded, so a statement text built from values
/// cannot grow it without end (past the bound a command is made and disposed as before).
/// </summary>
internal sealed class KeptCommands(SqliteConnection connection) : IDisposable
{
    /// <summary>More than the write path's statements (a few dozen), far fewer than would hold memory worth a thought.</summary>
    public const int MaxKept = 128;

    private readonly Dictionary<string, KeptCommand> _kept = new(StringComparer.Ordinal);

    /// <summary>The command of this text on the writer connection, its parameters cleared; null past <see cref="MaxKept"/>.</summary>
    public DbCommand? Get(string sql)
    {
        if (!_kept.TryGetValue(sql, out var command))
        {
            if (_kept.Count >= MaxKept)
            {
                return null;
            }
            command = new KeptCommand { Connection = connection, CommandText = sql };
            _kept.Add(sql, command);
        }
        return command;
    }

    public int Count => _kept.Count;

    public void Dispose()
    {
        foreach (var command in _kept.Values)
        {
            command.Release();
        }
        _kept.Clear();
    }

    /// <summary>A command whose Dispose (at the end of each use) only clears its parameters; <see cref="Release"/> ends it.</summary>
    private sealed class KeptCommand : SqliteCommand
    {
        private bool _released;

        public void Release()
        {
            _released = true;
            Dispose();
        }

        protected override void Dispose(bool disposing)
        {
            if (_released || !disposing)
            {
                base.Dispose(disposing);
                return;
            }
            Parameters.Clear();
            Transaction = null;
        }
    }
}
