using Orrery.Contracts.Pca;
using Orrery.Pca.Data;

namespace Orrery.Pca.Solvers;

/// <summary>Defaults and checks for a <see cref="PcaStartRequest"/>.</summary>
public static class PcaOptions
{
    /// <summary>
    /// Extra vectors p of the subspace solver's block when the request sets none: 10, as scikit-learn's
    /// randomized PCA, enough that lambda_{K+p+1} / lambda_K is well below 1 for decaying spectra.
    /// </summary>
    public const int DefaultOversample = 10;

    /// <summary>
    /// Fills the defaults (matrix-free mode, 1 shard, 16 leaves, parallel deflation with power steps, T = 1,
    /// 1000 rounds, target E 0 (budget only), eta 1, truth "auto", streak angle 22.5 degrees, oversample 10
    /// for the subspace solver) and checks
    /// the values; the message names the field and its allowed range.
    /// </summary>
    public static PcaStartRequest Normalise(PcaStartRequest request)
    {
        var o = request.Clone();
        o.Mode = o.Mode.Length == 0 ? "matrix-free" : o.Mode;
        o.Solver = o.Solver.Length == 0 ? "parallel" : o.Solver;
        o.Top1 = o.Top1.Length == 0 ? "power" : o.Top1;
        o.Truth = o.Truth.Length == 0 ? "auto" : o.Truth;
        if (o.Shards == 0)
        {
            o.Shards = 1;
        }

        if (o.Leaves == 0)
        {
            o.Leaves = o.Mode == "covariance" ? 1 : Math.Max(16, o.Shards);
        }

        if (o.StepsPerRound == 0)
        {
            o.StepsPerRound = 1;
        }

        if (o.MaxRounds == 0)
        {
            o.MaxRounds = 1000;
        }

        if (o.Eta == 0)
        {
            o.Eta = 1;
        }

        o.Oversample ??= DefaultOversample;

        if (o.AngleThresholdDegrees == 0)
        {
            o.AngleThresholdDegrees = PcaMetrics.DefaultStreakAngleDegrees;
        }

        PcaData.Validate(o.Source);
        var solver = SolverNames.Solver(o.Solver);
        var top1 = SolverNames.Top1(o.Top1);
        if (o.Mode is not ("matrix-free" or "covariance"))
        {
            throw new ArgumentException($"mode is '{o.Mode}'; it must be matrix-free or covariance");
        }

        if (o.Mode == "covariance" && (o.Shards != 1 || o.Leaves != 1))
        {
            throw new ArgumentException("covariance mode holds Sigma in one shard; shards and leaves must be 1");
        }

        if (o.Mode == "covariance" && top1 == Top1Solver.Oja)
        {
            throw new ArgumentException("the Oja step streams mini-batches of rows; it needs matrix-free mode");
        }

        LeafLayout.Validate(o.Leaves, o.Shards);
        if (o.Components < 1)
        {
            throw new ArgumentException($"components is {o.Components}; it must be at least 1");
        }

        if (o.StepsPerRound < 1 || o.MaxRounds < 1)
        {
            throw new ArgumentException("steps per round and the round budget must be at least 1");
        }

        if (o.TargetError < 0 || o.Eta < 0)
        {
            throw new ArgumentException("the target error and eta must not be negative");
        }

        if (o.InlineLimitBytes < 0)
        {
            throw new ArgumentException($"inline limit is {o.InlineLimitBytes} bytes; it must be 0 (the default, 1 MiB) or more");
        }

        if (o.Oversample < 0)
        {
            throw new ArgumentException($"oversample is {o.Oversample}; it must be at least 0");
        }

        if (solver == PcaSolver.Subspace)
        {
            CheckSubspace(o, top1);
        }

        if (o.Asynchronous && solver != PcaSolver.ParallelDeflation)
        {
            throw new ArgumentException($"asynchronous rounds are for parallel deflation; solver is {o.Solver}");
        }

        if (o.Truth is not ("auto" or "exact" or "none"))
        {
            throw new ArgumentException($"truth is '{o.Truth}'; it must be auto, exact or none");
        }

        if (solver == PcaSolver.Sequential && o.StepsPerVector == 0)
        {
            // The same budget as the parallel solvers: T * L steps shared equally among the K vectors.
            o.StepsPerVector = Math.Max(1, o.StepsPerRound * o.MaxRounds / o.Components);
        }

        return o;
    }

    /// <summary>
    /// Checks that the subspace solver's block of K + p vectors fits the dimension <paramref name="dimension"/>
    /// (known once the data is loaded; for generated data already at <see cref="Normalise"/>).
    /// </summary>
    public static void CheckBlockFits(PcaStartRequest options, int dimension)
    {
        var oversample = options.Oversample ?? DefaultOversample;
        if (options.Components + oversample > dimension)
        {
            throw new ArgumentException(
                $"oversample is {oversample}; components + oversample ({options.Components + oversample}) must not exceed the dimension {dimension}");
        }
    }

    private static void CheckSubspace(PcaStartRequest o, Top1Solver top1)
    {
        if (o.Asynchronous)
        {
            // Rayleigh-Ritz needs the products of the whole block from one round: there is no worker to run ahead.
            throw new ArgumentException("asynchronous is true; asynchronous rounds are for parallel deflation, and the subspace solver's Rayleigh-Ritz step needs the whole block each round (set asynchronous: false)");
        }

        if (top1 == Top1Solver.Oja)
        {
            throw new ArgumentException("top1 is oja; the subspace solver multiplies by the whole Sigma (power steps only)");
        }

        if (o.Source.Kind == "generated" && o.Source.Dimension > 0)
        {
            CheckBlockFits(o, o.Source.Dimension);
        }
    }
}
