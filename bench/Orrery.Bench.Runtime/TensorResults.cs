namespace Orrery.Bench.Runtime;

/// <summary>Tensor results, one point per size.</summary>
internal sealed record TensorResults(IReadOnlyList<TensorPoint> Sizes);
