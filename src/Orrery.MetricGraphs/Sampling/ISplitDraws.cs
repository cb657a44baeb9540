namespace Orrery.MetricGraphs.Sampling;

/// <summary>The random numbers of iterations k &gt;= 1 of a step (iteration 0's come from the vectorised generator).</summary>
internal interface ISplitDraws
{
    /// <summary>The normal and the edge-choice word of iteration <paramref name="split"/>.</summary>
    void Draw(int split, out float normal, out uint choiceWord);

    /// <summary>The word whose uniform tests a touch of the edge's tail (<paramref name="head"/> false) or head in iteration <paramref name="split"/> (<see cref="ParticleRandom.BridgeBlock"/>).</summary>
    uint BridgeWord(int split, bool head);
}
