namespace Hookline.Policy;

/// <summary>A decision's effect. The numeric order is the precedence: deny beats ask beats allow.</summary>
public enum Effect
{
    Allow = 0,
    Ask = 1,
    Deny = 2,
}

/// <summary>How the server applies decisions. The library only evaluates; modes are the caller's business.</summary>
public enum PolicyMode
{
    Enforce,
    Observe,
    Disabled,
}

/// <summary>What to answer when no usable policy snapshot exists.</summary>
public enum FailMode
{
    Closed,
    Open,
}
