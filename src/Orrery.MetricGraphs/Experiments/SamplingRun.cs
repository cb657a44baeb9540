using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Experiments;

/// <summary>A finished sampling job: the coordinator key that ran it, its reply (timings, per-ensemble breakdown) and the merged result.</summary>
/// <param name="JobKey">The coordinator grain's key of the attempt that finished.</param>
/// <param name="Reply">What the coordinator reported.</param>
/// <param name="Result">The merged counts.</param>
/// <param name="Restarts">Times the job was started again because its coordinator was lost.</param>
public sealed record SamplingRun(string JobKey, SamplingResultReply Reply, SamplingResult Result, int Restarts);
