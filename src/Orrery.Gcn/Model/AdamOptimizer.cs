namespace Orrery.Gcn.Model;

/// <summary>
/// Adam with L2 weight decay added to the gradient (the convention of <c>torch.optim.Adam</c>'s weight_decay), on a
/// flat parameter vector. Every part steps its own copy with the same summed gradient, so the copies stay identical.
/// </summary>
public sealed class AdamOptimizer
{
    private readonly float[] _m;
    private readonly float[] _v;

    /// <summary>An optimiser for <paramref name="length"/> parameters.</summary>
    public AdamOptimizer(int length, float learningRate, float weightDecay = 0f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        if (!(learningRate > 0f))
        {
            throw new ArgumentException($"training.learningRate is {learningRate}; it must be greater than 0");
        }

        if (!(weightDecay >= 0f))
        {
            throw new ArgumentException($"training.weightDecay is {weightDecay}; it must be at least 0");
        }

        _m = new float[length];
        _v = new float[length];
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Step size.</summary>
    public float LearningRate { get; }

    /// <summary>L2 coefficient added to each gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>First-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the root of the second moment.</summary>
    public float Epsilon { get; }

    /// <summary>Steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>The optimiser state (step count, first and second moments) for a checkpoint.</summary>
    public (int Steps, float[] M, float[] V) State => (Steps, (float[])_m.Clone(), (float[])_v.Clone());

    /// <summary>Puts back a checkpoint's optimiser state (see <see cref="State"/>); the lengths must match.</summary>
    public void Restore(int steps, ReadOnlySpan<float> m, ReadOnlySpan<float> v)
    {
        if (steps < 0 || m.Length != _m.Length || v.Length != _v.Length)
        {
            throw new ArgumentException($"the checkpoint's optimiser state holds step {steps} and {m.Length}/{v.Length} moments; this model's Adam holds {_m.Length} parameters");
        }

        Steps = steps;
        m.CopyTo(_m);
        v.CopyTo(_v);
    }

    /// <summary>One step: <paramref name="weights"/> -= lr m̂ / (sqrt(v̂) + eps).</summary>
    public void Step(Span<float> weights, ReadOnlySpan<float> gradient)
    {
        if (weights.Length != _m.Length || gradient.Length != _m.Length)
        {
            throw new ArgumentException($"Adam holds {_m.Length} parameters; got {weights.Length} weights and {gradient.Length} gradients");
        }

        Steps++;
        var correction1 = 1.0 - Math.Pow(Beta1, Steps);
        var correction2Root = Math.Sqrt(1.0 - Math.Pow(Beta2, Steps));
        var stepSize = (float)(LearningRate / correction1);
        for (var i = 0; i < weights.Length; i++)
        {
            var g = gradient[i] + WeightDecay * weights[i];
            _m[i] = Beta1 * _m[i] + (1f - Beta1) * g;
            _v[i] = Beta2 * _v[i] + (1f - Beta2) * g * g;
            var denominator = (float)(Math.Sqrt(_v[i]) / correction2Root) + Epsilon;
            weights[i] -= stepSize * _m[i] / denominator;
        }
    }
}
