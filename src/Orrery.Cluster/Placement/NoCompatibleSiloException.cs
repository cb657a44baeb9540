namespace Orrery.Cluster.Placement;

/// <summary>No live silo meets a grain's placement requirement (a GPU grain in a cluster without GPU silos).</summary>
[Orleans.GenerateSerializer]
public sealed class NoCompatibleSiloException : Exception
{
    /// <summary>An error naming the grain and what no silo offers.</summary>
    public NoCompatibleSiloException(string message)
        : base(message)
    {
    }
}
