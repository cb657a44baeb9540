namespace Orrery.Bench.Runtime;

/// <summary>Small-call results: the closed-loop points, the open-loop runs (normally at half of each side's peak), and the echo calls silo B counted.</summary>
internal sealed record SmallCallResults(
    IReadOnlyList<ClosedLoopPoint> ClosedLoop, double OrreryPeak, double Http2Peak, double OrreryOpenRate, double Http2OpenRate,
    CallFigures OrreryOpenLoop, CallFigures Http2OpenLoop, long ServedBySiloB);
