namespace Orrery.Bench.Runtime;

/// <summary>Small-call results: the closed-loop points, the open-loop runs at half of each side's peak, and the echo calls silo B counted.</summary>
internal sealed record SmallCallResults(
    IReadOnlyList<ClosedLoopPoint> ClosedLoop, double OrreryPeak, double Http2Peak, CallFigures OrreryOpenLoop, CallFigures Http2OpenLoop, long ServedBySiloB);
