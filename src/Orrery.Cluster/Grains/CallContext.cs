namespace Orrery.Cluster.Grains;

/// <summary>
/// The call a grain turn is serving: its deadline and the chain of grains waiting on it
/// (outermost first, this grain last). Flows through async code; outgoing calls made during the
/// turn inherit the deadline and extend the chain, which is how a cycle A→B→A is recognised.
/// </summary>
internal sealed class CallContext(string[] chain, long deadlineMs)
{
    private static readonly AsyncLocal<CallContext?> CurrentContext = new();

    public static CallContext? Current
    {
        get => CurrentContext.Value;
        set => CurrentContext.Value = value;
    }

    /// <summary>Grains waiting on this call, as <c>type/key</c>, outermost first, the current grain last.</summary>
    public string[] Chain { get; } = chain;

    /// <summary>Environment.TickCount64 at which the outermost caller gives up.</summary>
    public long DeadlineMs { get; } = deadlineMs;

    public static string Describe(IReadOnlyList<string> chain, string target) =>
        chain.Count == 0 ? target : string.Join(" -> ", chain) + " -> " + target;
}
