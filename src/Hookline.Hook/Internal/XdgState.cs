namespace Hookline.Hook.Internal;

/// <summary>
/// The user's state directory: $XDG_STATE_HOME, else $HOME/.local/state; null when neither is an absolute path
/// (the XDG spec says relative values are invalid and must be ignored).
/// </summary>
internal static class XdgState
{
    internal static string? Home()
    {
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(stateHome) && stateHome[0] == '/')
        {
            return stateHome.TrimEnd('/');
        }
        var home = Environment.GetEnvironmentVariable("HOME");
        return !string.IsNullOrEmpty(home) && home[0] == '/' ? home.TrimEnd('/') + "/.local/state" : null;
    }
}
