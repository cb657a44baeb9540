using Orrery.Contracts.Pca;

namespace Orrery.Pca.Experiments;

/// <summary>What a finished PCA run answered: its start reply, the final result, and the vectors unpacked (K x d).</summary>
public sealed record PcaJobResult(PcaStartReply Start, PcaResultReply Result, float[][] Vectors, double Seconds);
