using System.Runtime.CompilerServices;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// Draws of one particle's step whose first values were generated in a vectorised batch: the normal and edge-choice word
/// of iteration 1 and, when <see cref="HasFirstBridgeDraws"/>, iteration 0's bridge words and passage-time draws. Later
/// iterations' come from <see cref="ParticleRandom"/> one by one.
/// </summary>
internal readonly struct PreparedSplitDraws : ISplitDraws
{
    private readonly ulong _seed;
    private readonly long _particle;
    private readonly long _step;
    private readonly float _firstNormal;
    private readonly uint _firstWord;
    private readonly uint _tailWord;
    private readonly uint _headWord;
    private readonly float _touchNormal;
    private readonly uint _touchWord;

    public PreparedSplitDraws(ulong seed, long particle, long step, float firstNormal, uint firstWord)
    {
        _seed = seed;
        _particle = particle;
        _step = step;
        _firstNormal = firstNormal;
        _firstWord = firstWord;
    }

    public PreparedSplitDraws(ulong seed, long particle, long step, float firstNormal, uint firstWord, uint tailWord, uint headWord, float touchNormal, uint touchWord)
        : this(seed, particle, step, firstNormal, firstWord)
    {
        _tailWord = tailWord;
        _headWord = headWord;
        _touchNormal = touchNormal;
        _touchWord = touchWord;
        HasFirstBridgeDraws = true;
    }

    /// <summary>Whether iteration 0's bridge words and passage-time draws were prepared.</summary>
    public bool HasFirstBridgeDraws { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Draw(int split, out float normal, out uint choiceWord)
    {
        if (split == 1)
        {
            normal = _firstNormal;
            choiceWord = _firstWord;
            return;
        }

        FromBlock(ParticleRandom.StepBlock(_seed, _particle, _step, split), out normal, out choiceWord);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint BridgeWord(int split, bool head) =>
        split == 0 && HasFirstBridgeDraws
            ? (head ? _headWord : _tailWord)
            : ParticleRandom.BridgeWord(ParticleRandom.BridgeBlock(_seed, _particle, _step, split), _step, head);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TouchDraw(int split, out float normal, out uint word)
    {
        if (split == 0 && HasFirstBridgeDraws)
        {
            normal = _touchNormal;
            word = _touchWord;
            return;
        }

        FromBlock(ParticleRandom.TouchBlock(_seed, _particle, _step, split), out normal, out word);
    }

    /// <summary>A step-block-shaped block's normal and word for this step's parity (z0 and X2, or z1 and X3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FromBlock(Orrery.Compute.Random.PhiloxBlock block, out float normal, out uint word)
    {
        normal = ParticleRandom.Normal(block, _step);
        word = ParticleRandom.EdgeChoiceWord(block, _step);
    }
}
