using Orrery.Experiments;

namespace Orrery.Diagnostics;

/// <summary>The diagnostics grains (echo, chain, tensor round trip, load, ping) behind <c>orrery demo</c>, <c>orrery ping</c> and the benchmarks.</summary>
public sealed class DiagnosticsWorkload : IWorkload
{
    /// <inheritdoc />
    public string Name => "diagnostics";

    /// <inheritdoc />
    public IExperimentRunner? Runner => null;
}
