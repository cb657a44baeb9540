using Orleans.Runtime;
using Orrery.Cluster.Tensors;

namespace Orrery.Cluster.Silos;

/// <summary>
/// The exceptions that mean a grain's silo (or the silo holding a tensor it needs) is gone, by type, never by message:
/// Orleans refused or could not deliver the call (<see cref="OrleansMessageRejectionException"/>,
/// <see cref="SiloUnavailableException"/> among them), no answer came in time, or a tensor's owner has gone or
/// forgotten it, or the call was cancelled by Orleans itself (a directory lookup or placement that a membership change
/// cancelled under it: seen as <see cref="OperationCanceledException"/> right after a silo was killed). A caller whose
/// own token may have been cancelled checks that first: a cancellation it asked for is not a lost silo. Each workload
/// adds its own "fresh activation without my state" exception.
/// </summary>
public static class SiloLoss
{
    /// <summary>True when <paramref name="e"/> means the silo that held the work is gone.</summary>
    public static bool Means(Exception e) =>
        e is OrleansMessageRejectionException or TimeoutException or TensorOwnerUnavailableException or TensorNotFoundException or OperationCanceledException;
}
