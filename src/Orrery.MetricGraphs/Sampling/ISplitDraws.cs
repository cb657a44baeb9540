namespace Orrery.MetricGraphs.Sampling;

/// <summary>The random numbers of iterations k &gt;= 1 of a step (iteration 0's come from the vectorised generator).</summary>
internal interface ISplitDraws
{
    /// <summary>The normal and the edge-choice word of iteration <paramref name="split"/>.</summary>
    void Draw(int split, out float normal, out uint choiceWord);

    /// <summary>The word whose uniform tests a touch of the edge's tail (<paramref name="head"/> false) or head in iteration <paramref name="split"/> (<see cref="ParticleRandom.BridgeBlock"/>).</summary>
    uint BridgeWord(int split, bool head);

    /// <summary>The normal and the word of the uniform that draw the passage time of a touch or crossing in iteration <paramref name="split"/> (<see cref="ParticleRandom.TouchBlock"/>).</summary>
    void TouchDraw(int split, out float normal, out uint word);
}
