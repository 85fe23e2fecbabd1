using System.Data.Common;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// The write side of both stores: a batch of events with its hash chain and write-once applied decisions, retention,
/// and policy epochs. The statements and their order live here once; a subclass supplies the few words where SQLite and
/// PostgreSQL differ (how a set of rows binds, how a list of ids is matched, what is locked) and what only it has.
/// </summary>
/// <remarks>
/// Rows bind in one of two ways, chosen by the subclass. SQLite is in process, so a statement is prepared once and run
/// per row (<see cref="Values"/> is one row of parameters). PostgreSQL is a round trip away, so each column binds as one
/// typed array and the statement runs once over all rows (<see cref="Values"/> is an <c>unnest</c> of the arrays).
/// </remarks>
internal abstract partial class AuditStore
{
    /// <summary>The clock of the times the store writes itself (state and migration rows): the server's.</summary>
    protected TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Begins the transaction a write runs in, holding what the backend needs held until it ends.</summary>
    protected abstract StoreWrite BeginWrite();

    /// <summary>Holds these sessions' chains until commit, in this (sorted) order. The base holds nothing more.</summary>
    protected virtual void LockSessions(StoreWrite write, string[] sessions)
    {
    }

    /// <summary>Holds the policy epochs until commit, so that writers agree on their order.</summary>
    protected virtual void LockPolicies(StoreWrite write)
    {
    }

    /// <summary>SQL: <paramref name="column"/> is one of the strings of list parameter <paramref name="parameter"/>.</summary>
    protected abstract string InList(string column, string parameter);

    /// <summary>The value of a list parameter used by <see cref="InList"/>.</summary>
    protected abstract object ListValue(IReadOnlyCollection<string> values);

    /// <summary>SQL: the source of an INSERT's rows, one per row of <see cref="ExecuteRows"/>.</summary>
    protected abstract string Values(IReadOnlyList<string> columns);

    /// <summary>SQL: the value of <paramref name="column"/> in the current row, in an UPDATE or DELETE over rows.</summary>
    protected abstract string Row(string column);

    /// <summary>SQL: what an UPDATE (<c>FROM</c>) or DELETE (<c>USING</c>) over rows adds to reach them; may be empty.</summary>
    protected abstract string JoinRows(string keyword, IReadOnlyList<string> columns);

    /// <summary>Runs <paramref name="command"/> for every row, bound to <paramref name="columns"/>; returns the rows it affected.</summary>
    protected abstract int ExecuteRows(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows);

    /// <summary>Like <see cref="ExecuteRows"/>, handing every row the command returns (<c>RETURNING</c>) to <paramref name="read"/>.</summary>
    protected abstract void ReadRows(DbCommand command, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows, Action<DbDataReader> read);

    /// <summary>The last (session_seq, hash) of each session of a batch, or (0, genesis): asked as the plan needs them.</summary>
    protected abstract Func<string, (long Seq, string Hash)> LastLinks(StoreWrite write, string[] sessions);

    /// <summary>
    /// The statement that inserts a batch's events and returns the ids it inserted (not those another writer stored
    /// first); a backend may wrap it to announce what was inserted.
    /// </summary>
    protected virtual string AnnounceInserted(string insert) => insert + " RETURNING event_id;";

    /// <summary>Tells whoever listens that a new policy epoch is stored; delivered at commit.</summary>
    protected virtual void AnnouncePolicy(StoreWrite write, ulong epoch)
    {
    }

    /// <summary>Whether a failed write is worth retrying (a busy database, a dropped connection).</summary>
    public abstract bool IsTransient(Exception exception);

    protected static void Add(DbCommand command, string name, object? value) => SqlParameters.Add(command, name, value);

    /// <summary>A write transaction on its connection, and what to let go of when it ends.</summary>
    /// <param name="kept">The backend's command kept for a statement text (its parameters cleared), or null for a new one.</param>
    protected sealed class StoreWrite(DbConnection connection, DbTransaction transaction, Action release, Func<string, DbCommand?>? kept = null)
        : IDisposable
    {
        public DbConnection Connection { get; } = connection;

        public DbTransaction Transaction { get; } = transaction;

        public DbCommand Command(string sql)
        {
            var command = kept?.Invoke(sql);
            if (command is null)
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
            }
            command.Transaction = Transaction;
            return command;
        }

        public void Commit() => Transaction.Commit();

        public void Dispose()
        {
            try
            {
                Transaction.Dispose();
            }
            finally
            {
                release();
            }
        }
    }
}
