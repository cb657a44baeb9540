using Orleans.Runtime;

namespace Orrery.Cluster.Tensors;

/// <summary>Who owns a tensor channel: a name for logs and errors, a generation that changes with every process start, and the Orleans silo when it is one.</summary>
/// <param name="Name">The silo's name (or the client's).</param>
/// <param name="Generation">Distinguishes this process from an earlier one on the same endpoint; a silo uses its Orleans generation.</param>
/// <param name="Silo">The Orleans silo address; null outside a silo.</param>
public sealed record TensorChannelIdentity(string Name, long Generation, SiloAddress? Silo);
