using Orrery.Contracts.Pca;

namespace Orrery.Pca.Experiments;

/// <summary>
/// What a finished PCA run answered: its start reply, the final result, the vectors unpacked (K x d), the coordinator
/// key that finished it, and how many times the run was started again after its coordinator was lost.
/// </summary>
public sealed record PcaJobResult(PcaStartReply Start, PcaResultReply Result, float[][] Vectors, double Seconds, string Key, int Restarts);
