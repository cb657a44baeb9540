using System.Runtime.CompilerServices;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>Draws of one particle's step whose iteration-1 values were generated in a vectorised batch; later iterations come from <see cref="ParticleRandom"/> one by one.</summary>
internal readonly struct PreparedSplitDraws(ulong seed, long particle, long step, float firstNormal, uint firstWord) : ISplitDraws
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Draw(int split, out float normal, out uint choiceWord)
    {
        if (split == 1)
        {
            normal = firstNormal;
            choiceWord = firstWord;
            return;
        }

        var block = ParticleRandom.StepBlock(seed, particle, step, split);
        normal = ParticleRandom.Normal(block, step);
        choiceWord = ParticleRandom.EdgeChoiceWord(block, step);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint BridgeWord(int split, bool head) =>
        ParticleRandom.BridgeWord(ParticleRandom.BridgeBlock(seed, particle, step, split), step, head);
}
