namespace Hookline.Cli.Output;

internal enum Status
{
    Ok,
    Warning,
    Broken,
}

/// <summary>One check of <c>hookline doctor</c>: what was checked, how it stands, and how to fix it.</summary>
internal sealed record Finding(string Check, Status Status, string Detail, string? Fix)
{
    public string Label => Status switch
    {
        Status.Ok => "ok",
        Status.Warning => "warn",
        _ => "FAIL",
    };
}
