namespace Orrery.Bench.Runtime;

/// <summary>One tensor run, one direction or both at once.</summary>
/// <param name="Bytes">Payload bytes moved, both directions summed when both ran.</param>
/// <param name="Seconds">Wall time of the slower direction.</param>
/// <param name="Errors">Transfers that failed.</param>
/// <param name="FirstCores">Cores silo A (or raw node 1) kept busy on average.</param>
/// <param name="SecondCores">Cores silo B (or raw node 2) kept busy on average.</param>
/// <param name="OtherCores">Cores other programs kept busy meanwhile (the machine is shared).</param>
internal sealed record TransferFigures(long Bytes, double Seconds, int Errors, double FirstCores, double SecondCores, double OtherCores)
{
    public double GigabytesPerSecond => Bytes / Seconds / 1e9;
}
