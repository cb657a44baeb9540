namespace Orrery.Bench.Runtime;

/// <summary>
/// One tensor size: one direction (A→B, node 1→node 2) and both directions at once, for Orrery,
/// the raw pair (the peer), and the raw pair receiving into a new array per message (which
/// shows how much of the gap is fresh memory rather than the transport).
/// </summary>
internal sealed record TensorPoint(
    int MiB, TransferFigures OrreryOneWay, TransferFigures RawOneWay, TransferFigures RawFreshOneWay,
    TransferFigures OrreryBothWays, TransferFigures RawBothWays, TransferFigures RawFreshBothWays);
