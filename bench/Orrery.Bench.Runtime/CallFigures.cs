namespace Orrery.Bench.Runtime;

/// <summary>One run of small calls: throughput, latency, failures, and the CPU the two sides used.</summary>
/// <param name="CallsPerSecond">Calls over the run's wall time.</param>
/// <param name="P50Us">Median latency in microseconds.</param>
/// <param name="P99Us">99th percentile latency in microseconds.</param>
/// <param name="MaxUs">Largest latency in microseconds.</param>
/// <param name="Calls">Calls made, failed ones included.</param>
/// <param name="Errors">Calls that failed.</param>
/// <param name="FirstError">Message of the first failure; empty when none failed.</param>
/// <param name="DriverCores">Cores the calling process kept busy on average (silo A, or this process for HTTP/2).</param>
/// <param name="ServerCores">Cores the answering process kept busy (silo B, or the Kestrel process).</param>
/// <param name="OtherCores">Cores other programs kept busy meanwhile (the machine is shared).</param>
internal sealed record CallFigures(
    double CallsPerSecond, double P50Us, double P99Us, double MaxUs, int Calls, int Errors, string FirstError,
    double DriverCores, double ServerCores, double OtherCores);
