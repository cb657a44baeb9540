using System.Runtime.CompilerServices;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>Draws of one particle's step from <see cref="ParticleRandom"/>'s layout.</summary>
internal readonly struct PhiloxSplitDraws(ulong seed, long particle, long step) : ISplitDraws
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Draw(int split, out float normal, out uint choiceWord)
    {
        var block = ParticleRandom.StepBlock(seed, particle, step, split);
        normal = ParticleRandom.Normal(block, step);
        choiceWord = ParticleRandom.EdgeChoiceWord(block, step);
    }
}
