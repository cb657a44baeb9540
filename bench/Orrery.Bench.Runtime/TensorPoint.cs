namespace Orrery.Bench.Runtime;

/// <summary>One tensor size: one direction (A→B, node 1→node 2) and both directions at once, for Orrery and the raw pair.</summary>
internal sealed record TensorPoint(int MiB, TransferFigures OrreryOneWay, TransferFigures RawOneWay, TransferFigures OrreryBothWays, TransferFigures RawBothWays);
