namespace Orrery.Bench.Runtime;

/// <summary>Where the small calls go: between two silos, or from an Orleans client (this process) to the silos.</summary>
internal enum CallRoute
{
    /// <summary>A load grain on silo A calls echo grains pinned on silo B.</summary>
    SiloToSilo,

    /// <summary>This process's Orleans client calls echo grains pinned half on silo A, half on silo B, through both gateways.</summary>
    ClientToSilos,
}

/// <summary>Small-call results of one route: the closed-loop points, the open-loop runs (normally at half of each side's peak), and the echo calls made.</summary>
internal sealed record SmallCallResults(
    CallRoute Route, IReadOnlyList<ClosedLoopPoint> ClosedLoop, double OrreryPeak, double Http2Peak, double OrreryOpenRate, double Http2OpenRate,
    CallFigures OrreryOpenLoop, CallFigures Http2OpenLoop, long CallsMade);
