using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// A sampler on one compute device: the CPU sampler (<see cref="MetricGraphSampler"/>) or the CUDA
/// kernel's host side. Both compute the same arithmetic on the same Philox streams, so an ensemble
/// advanced on either gives the same observables (bitwise on CPU; see the GPU parity check for CUDA).
/// </summary>
public interface IParticleSampler
{
    /// <summary>The graph sampled.</summary>
    MetricGraph Graph { get; }

    /// <summary>The run's settings.</summary>
    SamplingOptions Options { get; }

    /// <summary>Places particles <paramref name="firstParticle"/> .. + <paramref name="count"/> - 1 at step 0.</summary>
    EnsembleState CreateEnsemble(long firstParticle, int count, InitialCondition initial);

    /// <summary>Advances <paramref name="state"/> by <paramref name="steps"/> steps and returns what those steps observed.</summary>
    SamplingResult Advance(EnsembleState state, long steps);
}
