using Orleans;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Orrery.Contracts.Cluster;

/// <summary>
/// The cluster's active silos and what each offers for work, as the silo that answers sees them (Orleans membership
/// plus the silo metadata every member publishes). A stateless worker: any silo answers, clients and grains alike ask it.
/// </summary>
[Alias("orrery.cluster.inventory")]
public interface IClusterInventoryGrain : IGrainWithIntegerKey
{
    /// <summary>The active silos, ordered by address.</summary>
    [Alias("silos")]
    Task<ClusterSiloInfo[]> GetActiveSilosAsync();
}

/// <summary>One active silo: its name, address and what it offers.</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.cluster.silo-info")]
public sealed record ClusterSiloInfo
{
    /// <summary>The silo's name (OrleansSilo or Silo:Name; embedded-N in an embedded cluster).</summary>
    [Id(0)]
    public required string Name { get; init; }

    /// <summary>Its Orleans address (endpoint and generation).</summary>
    [Id(1)]
    public required SiloAddress Address { get; init; }

    /// <summary>The GPUs it computes on, as device names ("cuda:0", ...); empty for a CPU-only silo.</summary>
    [Id(2)]
    public required IReadOnlyList<string> GpuDevices { get; init; }

    /// <summary>Logical CPU cores of its process.</summary>
    [Id(3)]
    public required int CpuCores { get; init; }
}

/// <summary>
/// A grain call whose request or response would certainly exceed Orleans's <c>MaxMessageBodySize</c>: refused at once where
/// it starts (Orleans itself would drop the connection, and the caller would wait out its response timeout). The message
/// names the limit and the setting; large arrays belong in the tensor channel (TensorRef).
/// </summary>
[GenerateSerializer]
[Alias("orrery.cluster.message-too-large")]
public sealed class MessageTooLargeException : Exception
{
    public MessageTooLargeException()
    {
    }

    public MessageTooLargeException(string message)
        : base(message)
    {
    }

    public MessageTooLargeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
