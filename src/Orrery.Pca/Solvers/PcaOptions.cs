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
    /// The Oja step's decay time scale, in passes over the leaves, when the request sets none: 4. The step stays near
    /// eta for the first few passes (where the vector is far off and large steps pay) and shrinks like 1/t after.
    /// </summary>
    public const int DefaultEtaDecayPasses = 4;

    /// <summary>
    /// Fills the defaults (matrix-free mode, 1 shard, 16 leaves, parallel deflation with power steps, T = 1,
    /// 1000 rounds, target E 0 (budget only), eta 1, truth "auto", streak angle 22.5 degrees, oversample 10
    /// for the subspace solver) and checks the values; a bad one throws <see cref="PcaOptionException"/> naming
    /// the field and its allowed range.
    /// </summary>
    public static PcaStartRequest Normalise(PcaStartRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var o = FillDefaults(request.Clone());
        try
        {
            PcaData.Validate(o.Source);
        }
        catch (ArgumentException e) when (e is not PcaOptionException)
        {
            throw new PcaOptionException("data", e.Message);
        }

        var solver = ParseNames(o, out var top1);
        CheckMode(o, top1);
        CheckLayout(o);
        CheckBudget(o);
        if (solver == PcaSolver.Subspace)
        {
            CheckSubspace(o, top1);
        }

        if (o.Asynchronous && solver != PcaSolver.ParallelDeflation)
        {
            throw new PcaOptionException("asynchronous", $"asynchronous rounds are for parallel deflation; solver is {o.Solver}");
        }

        if (solver == PcaSolver.Sequential && o.StepsPerVector == 0)
        {
            // The same budget as the parallel solvers: T * L steps shared equally among the K vectors.
            o.StepsPerVector = Math.Max(1, o.StepsPerRound * o.MaxRounds / o.Components);
        }

        return o;
    }

    /// <summary>Checks that <paramref name="rows"/> rows fill the run's leaves (each leaf needs a row at least).</summary>
    public static void CheckRowsFillLeaves(PcaStartRequest options, long rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode != "covariance" && rows < options.Leaves)
        {
            throw new PcaOptionException("leaves", $"leaves is {options.Leaves}; the data has {rows} rows, and every leaf needs one at least (set leaves to a power of two no larger than {rows})");
        }
    }

    private static PcaStartRequest FillDefaults(PcaStartRequest o)
    {
        o.Mode = o.Mode.Length == 0 ? "matrix-free" : o.Mode;
        o.Solver = o.Solver.Length == 0 ? "parallel" : o.Solver;
        o.Top1 = o.Top1.Length == 0 ? "power" : o.Top1;
        o.Truth = o.Truth.Length == 0 ? "auto" : o.Truth;
        o.Shards = o.Shards == 0 ? 1 : o.Shards;
        o.Leaves = o.Leaves != 0 ? o.Leaves : o.Mode == "covariance" ? 1 : Math.Max(16, o.Shards);
        o.StepsPerRound = o.StepsPerRound == 0 ? 1 : o.StepsPerRound;
        o.MaxRounds = o.MaxRounds == 0 ? 1000 : o.MaxRounds;
        o.Eta = o.Eta == 0 ? 1 : o.Eta;
        o.Oversample ??= DefaultOversample;
        o.AngleThresholdDegrees = o.AngleThresholdDegrees == 0 ? PcaMetrics.DefaultStreakAngleDegrees : o.AngleThresholdDegrees;
        return o;
    }

    private static PcaSolver ParseNames(PcaStartRequest o, out Top1Solver top1)
    {
        PcaSolver solver;
        try
        {
            solver = SolverNames.Solver(o.Solver);
        }
        catch (ArgumentException e)
        {
            throw new PcaOptionException("solvers", e.Message);
        }

        try
        {
            top1 = SolverNames.Top1(o.Top1);
        }
        catch (ArgumentException e)
        {
            throw new PcaOptionException("top1", e.Message);
        }

        if (o.Truth is not ("auto" or "exact" or "none"))
        {
            throw new PcaOptionException("truth", $"truth is '{o.Truth}'; it must be auto, exact or none");
        }

        return solver;
    }

    private static void CheckMode(PcaStartRequest o, Top1Solver top1)
    {
        if (o.Mode is not ("matrix-free" or "covariance"))
        {
            throw new PcaOptionException("mode", $"mode is '{o.Mode}'; it must be matrix-free or covariance");
        }

        if (o.Mode == "covariance" && (o.Shards != 1 || o.Leaves != 1))
        {
            throw new PcaOptionException(o.Shards != 1 ? "shards" : "leaves", "covariance mode holds Sigma in one shard; shards and leaves must be 1");
        }

        if (o.Mode == "covariance" && top1 == Top1Solver.Oja)
        {
            throw new PcaOptionException("top1", "the Oja step streams mini-batches of rows; it needs matrix-free mode");
        }
    }

    private static void CheckLayout(PcaStartRequest o)
    {
        if (o.Leaves < 1 || (o.Leaves & (o.Leaves - 1)) != 0)
        {
            throw new PcaOptionException("leaves", $"leaves is {o.Leaves}; it must be a power of two (1, 2, 4, ...)");
        }

        try
        {
            LeafLayout.Validate(o.Leaves, o.Shards);
        }
        catch (ArgumentException e)
        {
            throw new PcaOptionException("shards", e.Message);
        }

        if (o.Source.Kind == "generated" && o.Source.Rows > 0)
        {
            CheckRowsFillLeaves(o, o.Source.Rows);
        }

        if (o.InlineLimitBytes < 0)
        {
            throw new PcaOptionException("inline_limit_bytes", $"inline limit is {o.InlineLimitBytes} bytes; it must be 0 (the default, 1 MiB) or more");
        }
    }

    private static void CheckBudget(PcaStartRequest o)
    {
        if (o.Components < 1)
        {
            throw new PcaOptionException("components", $"components is {o.Components}; it must be at least 1");
        }

        if (o.StepsPerRound < 1)
        {
            throw new PcaOptionException("steps_per_round", $"steps_per_round is {o.StepsPerRound}; it must be at least 1");
        }

        if (o.MaxRounds < 1)
        {
            throw new PcaOptionException("rounds", $"rounds is {o.MaxRounds}; it must be at least 1");
        }

        if (o.TargetError < 0)
        {
            throw new PcaOptionException("target_error", $"target_error is {o.TargetError}; it must not be negative");
        }

        if (o.Eta < 0)
        {
            throw new PcaOptionException("eta", $"eta is {o.Eta}; it must not be negative");
        }

        if (o.EtaDecaySteps < 0)
        {
            throw new PcaOptionException("eta_decay_steps", $"eta_decay_steps is {o.EtaDecaySteps}; it must be 0 (the default, {DefaultEtaDecayPasses} passes over the leaves) or more");
        }

        if (o.Oversample < 0)
        {
            throw new PcaOptionException("oversample", $"oversample is {o.Oversample}; it must be at least 0");
        }
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
            throw new PcaOptionException(
                "oversample",
                $"oversample is {oversample}; components + oversample ({options.Components + oversample}) must not exceed the dimension {dimension}");
        }
    }

    private static void CheckSubspace(PcaStartRequest o, Top1Solver top1)
    {
        if (o.Asynchronous)
        {
            // Rayleigh-Ritz needs the products of the whole block from one round: there is no worker to run ahead.
            throw new PcaOptionException("asynchronous", "asynchronous is true; asynchronous rounds are for parallel deflation, and the subspace solver's Rayleigh-Ritz step needs the whole block each round (set asynchronous: false)");
        }

        if (top1 == Top1Solver.Oja)
        {
            throw new PcaOptionException("top1", "top1 is oja; the subspace solver multiplies by the whole Sigma (power steps only)");
        }

        if (o.Source.Kind == "generated" && o.Source.Dimension > 0)
        {
            CheckBlockFits(o, o.Source.Dimension);
        }
    }
}
