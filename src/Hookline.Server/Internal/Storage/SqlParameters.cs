using System.Data.Common;

namespace Hookline.Server.Internal.Storage;

/// <summary>Binds a named parameter the way both backends read it: <c>@name</c>, null as SQL NULL.</summary>
internal static class SqlParameters
{
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
