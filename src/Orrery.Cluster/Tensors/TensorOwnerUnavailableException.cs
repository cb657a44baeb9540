using Orleans;

namespace Orrery.Cluster.Tensors;

/// <summary>
/// The tensor's owner cannot be reached: its process is gone, restarted (another generation on the same
/// endpoint), or the connection dropped mid-transfer. The bytes are lost with it; a workload recomputes or
/// re-reads them from where it keeps them durably.
/// </summary>
[GenerateSerializer]
[Alias("orrery.tensors.owner-unavailable")]
public sealed class TensorOwnerUnavailableException(string message, Exception? inner = null) : TensorChannelException(message, inner);
