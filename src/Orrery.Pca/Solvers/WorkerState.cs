using Orrery.Contracts.Pca;

namespace Orrery.Pca.Solvers;

/// <summary>
/// The state and update rule of one deflation worker (eigenvector k, 0-based <see cref="Index"/>):
/// its current vector, its last published vector, and the predecessors' estimates it deflates with
/// during a round. Arithmetic in double over float32 vectors, in a fixed order, so the same inputs give
/// the same bits on every machine.
/// </summary>
public sealed class WorkerState
{
    private float[] _predecessors = [];
    private float[] _predecessorProducts = [];
    private double[] _lambdas = [];

    /// <summary>A worker starting from <paramref name="initial"/> (normalised here).</summary>
    public WorkerState(int index, PcaSolver solver, Top1Solver top1, ReadOnlySpan<float> initial)
    {
        Index = index;
        Solver = solver;
        Top1 = top1;
        Current = Normalised(initial, initial.ToArray());
        Published = (float[])Current.Clone();
    }

    public int Index { get; }

    public PcaSolver Solver { get; }

    public Top1Solver Top1 { get; }

    public int Dimension => Current.Length;

    /// <summary>The vector being refined.</summary>
    public float[] Current { get; private set; }

    /// <summary>The vector as of the end of the last round.</summary>
    public float[] Published { get; private set; }

    /// <summary>
    /// One Top1 step. <paramref name="payload"/> holds the product Sigma x for <see cref="Current"/> (d floats), then
    /// when <paramref name="predecessors"/> &gt; 0 at step 1 the predecessors' vectors and, for EigenGame, their products.
    /// Returns the new current vector. A norm that is not finite and positive (an overflow: data too close to float32's
    /// range) throws <see cref="PcaDivergedException"/> naming <paramref name="round"/>, the worker and the step.
    /// </summary>
    public float[] Step(int round, int step, ReadOnlySpan<float> payload, int predecessors, IReadOnlyList<double> lambdas, double eta, bool publish)
    {
        var d = Dimension;
        if (step == 1)
        {
            TakeRoundInputs(payload, predecessors, lambdas);
        }
        else if (payload.Length != d)
        {
            throw new ArgumentException($"worker {Index + 1}: step {step} needs the product only ({d} floats); got {payload.Length}");
        }

        var x = Current;
        var y = DeflatedProduct(payload[..d], x);
        if (Solver == PcaSolver.EigenGame || Top1 == Top1Solver.Oja)
        {
            for (var i = 0; i < d; i++)
            {
                y[i] = x[i] + eta * y[i];
            }
        }

        Current = NormalisedStep(y, round, step);

        if (publish)
        {
            Published = Current;
        }

        return Current;
    }

    /// <summary>
    /// Step 1 of a round: keeps the predecessors' vectors (and, for EigenGame, their products) and eigenvalues from
    /// <paramref name="payload"/> for the round's later steps.
    /// </summary>
    private void TakeRoundInputs(ReadOnlySpan<float> payload, int predecessors, IReadOnlyList<double> lambdas)
    {
        var d = Dimension;
        var expected = d * (1 + predecessors * (Solver == PcaSolver.EigenGame ? 2 : 1));
        if (payload.Length != expected || (Solver != PcaSolver.EigenGame && lambdas.Count != predecessors))
        {
            throw new ArgumentException($"worker {Index + 1}: step 1 with {predecessors} predecessors needs {expected} floats and {predecessors} eigenvalues; got {payload.Length} and {lambdas.Count}");
        }

        _predecessors = payload.Slice(d, predecessors * d).ToArray();
        _predecessorProducts = Solver == PcaSolver.EigenGame ? payload.Slice(d * (1 + predecessors), predecessors * d).ToArray() : [];
        _lambdas = [.. lambdas];
    }

    /// <summary>
    /// Sigma x with the predecessors taken out, in double: Hotelling deflation, or EigenGame's penalty for aligning
    /// with a parent.
    /// </summary>
    private double[] DeflatedProduct(ReadOnlySpan<float> product, float[] x)
    {
        var d = Dimension;
        var count = _predecessors.Length / d;
        var y = new double[d];
        for (var i = 0; i < d; i++)
        {
            y[i] = product[i];
        }

        for (var j = 0; j < count; j++)
        {
            var v = _predecessors.AsSpan(j * d, d);
            double coefficient;
            if (Solver == PcaSolver.EigenGame)
            {
                // (x^T Sigma v_j): the reward of aligning with a parent, against its published product.
                coefficient = Dot(x, _predecessorProducts.AsSpan(j * d, d));
            }
            else
            {
                // Hotelling deflation: Sigma_k x = Sigma x - sum_j lambda_j (v_j^T x) v_j.
                coefficient = _lambdas[j] * Dot(v, x);
            }

            for (var i = 0; i < d; i++)
            {
                y[i] -= coefficient * v[i];
            }
        }

        return y;
    }

    /// <summary>y / |y| in float32; a norm that is not finite and positive throws <see cref="PcaDivergedException"/>.</summary>
    private float[] NormalisedStep(double[] y, int round, int step)
    {
        var d = y.Length;
        var norm = 0.0;
        for (var i = 0; i < d; i++)
        {
            norm += y[i] * y[i];
        }

        norm = Math.Sqrt(norm);
        if (!(norm > 0) || !double.IsFinite(norm))
        {
            // Never keep going on the old vector: the run would end "converged" on garbage.
            throw new PcaDivergedException(
                $"round {round}, worker {Index + 1}, step {step}: the norm of the updated vector is {norm} " +
                "(an overflow or a zero product: values near float32's range, or all-zero data); scale the data");
        }

        var next = new float[d];
        for (var i = 0; i < d; i++)
        {
            next[i] = (float)(y[i] / norm);
        }

        return next;
    }

    /// <summary>x^T y in double.</summary>
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }

        return sum;
    }

    private static float[] Normalised(ReadOnlySpan<float> source, float[] target)
    {
        var norm = Math.Sqrt(Dot(source, source));
        if (!(norm > 0) || !double.IsFinite(norm))
        {
            throw new ArgumentException("a worker's initial vector must be finite and non-zero");
        }

        for (var i = 0; i < target.Length; i++)
        {
            target[i] = (float)(source[i] / norm);
        }

        return target;
    }
}
