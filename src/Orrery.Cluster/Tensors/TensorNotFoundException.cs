using Orleans;

namespace Orrery.Cluster.Tensors;

/// <summary>The owner answered, but holds no tensor with that id: released, expired, read its permitted number of times, or never put.</summary>
[GenerateSerializer]
[Alias("orrery.tensors.not-found")]
public sealed class TensorNotFoundException(string message) : TensorChannelException(message);
