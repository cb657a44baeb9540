using Orleans;

namespace Orrery.Cluster.Tensors;

/// <summary>A put or push would take a silo's tensor store past <c>Tensors:MaxStoreBytes</c>; nothing was stored.</summary>
[GenerateSerializer]
[Alias("orrery.tensors.store-full")]
public sealed class TensorStoreFullException(string message) : TensorChannelException(message);
