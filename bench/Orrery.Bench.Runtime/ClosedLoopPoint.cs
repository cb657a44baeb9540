namespace Orrery.Bench.Runtime;

/// <summary>One closed-loop concurrency: the median run of each side, and every run's calls/s for the spread.</summary>
internal sealed record ClosedLoopPoint(int Concurrency, CallFigures Orrery, CallFigures Http2, double[] OrreryRates, double[] Http2Rates);
