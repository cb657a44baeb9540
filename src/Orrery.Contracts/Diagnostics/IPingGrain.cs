namespace Orrery.Contracts.Diagnostics;

/// <summary>An Orleans grain that answers with where it runs: the first grain on the Orleans side of a silo process.</summary>
[Orleans.Alias("orrery.diag.ping")]
public interface IPingGrain : Orleans.IGrainWithIntegerKey
{
    /// <summary>The name of the silo this activation runs on.</summary>
    [Orleans.Alias("where")]
    Task<string> WhereAsync();
}
