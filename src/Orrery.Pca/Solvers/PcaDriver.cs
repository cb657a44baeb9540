using System.Diagnostics;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;

namespace Orrery.Pca.Solvers;

/// <summary>
/// Runs one PCA solver over a backend's shards and workers: synchronous rounds (the reproducible
/// default) or asynchronous ones, the metrics of every round, the stop rule, and recovery from a lost
/// silo. A synchronous round is transactional: when it fails, every worker is reset to its vector
/// published at the end of the previous round and the round runs again, so a run that lost a silo
/// computes exactly what an undisturbed run computes.
/// </summary>
public sealed partial class PcaDriver
{
    private readonly IPcaBackend _backend;
    private readonly List<PcaRoundRecord> _history = [];
    private readonly Stopwatch _clock = new();
    private float[][] _published = [];
    private float[][] _current = [];

    // Subspace iteration: the orthonormal block Q (K + p vectors of d, float32 for the shards' GEMM).
    private float[][] _block = [];
    private double[] _rayleigh = [];
    private double[] _frozenLambdas = [];
    private long _stepCounter;
    private int _sequentialIndex;
    private long _sequentialSteps;
    private int _reported;
    private bool _resetPending;

    /// <summary>A driver for <paramref name="options"/> (normalised by <see cref="PcaOptions.Normalise"/>) over <paramref name="backend"/>.</summary>
    public PcaDriver(PcaStartRequest options, IPcaBackend backend)
    {
        Options = PcaOptions.Normalise(options);
        _backend = backend;
        Solver = SolverNames.Solver(Options.Solver);
        Top1 = SolverNames.Top1(Options.Top1);
    }

    public PcaStartRequest Options { get; }

    public PcaSolver Solver { get; }

    public Top1Solver Top1 { get; }

    public int Dimension { get; private set; }

    public long Rows { get; private set; }

    /// <summary>The truth E is measured against; null when none is known or asked for.</summary>
    public PcaTruth? Truth { get; private set; }

    /// <summary>Completed rounds.</summary>
    public int Round { get; private set; }

    public bool Finished { get; private set; }

    public string StopReason { get; private set; } = "";

    /// <summary>Rounds run again after a failure.</summary>
    public int Recoveries { get; private set; }

    /// <summary>The last failure that was recovered from.</summary>
    public string LastFailure { get; private set; } = "";

    /// <summary>Every round's record.</summary>
    public IReadOnlyList<PcaRoundRecord> History => _history;

    /// <summary>The published vectors (K x d).</summary>
    public IReadOnlyList<float[]> Published => _published;

    /// <summary>Eigenvalue estimates v_k^T Sigma v_k of the published vectors (after <see cref="FinishAsync"/>: exact for them).</summary>
    public IReadOnlyList<double> Eigenvalues => _rayleigh;

    /// <summary>Seconds spent loading shards and computing the truth.</summary>
    public (double Load, double Truth) SetupSeconds { get; private set; }

    /// <summary>
    /// Runs the whole set-up at once (loads the shards, finds the truth, starts the workers from seeded random unit
    /// vectors), for callers without a deadline (in-process runs). The coordinator grain instead lets
    /// <see cref="AdvanceAsync"/> do it in bounded slices.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        while (!Ready)
        {
            await SetUpAsync(long.MaxValue, cancellationToken);
        }
    }

    /// <summary>Runs rounds until about <paramref name="budget"/> has passed, the target is reached or the budget of rounds is spent.</summary>
    public async Task AdvanceAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        var until = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        if (!Ready)
        {
            await SetUpAsync(until, cancellationToken);
            if (!Ready)
            {
                return;
            }
        }

        if (Options.Asynchronous)
        {
            await RunAsynchronousAsync(until, cancellationToken);
            return;
        }

        while (!Finished && Stopwatch.GetTimestamp() < until)
        {
            var saved = SaveRoundState();
            Exception? failure = null;
            try
            {
                if (_resetPending)
                {
                    // After a failure: moved shards re-load (polled, like the first load), then every worker goes back
                    // to its published vector (lost ones re-activate elsewhere).
                    if (await _backend.LoadAsync(Remaining(until), cancellationToken) is null)
                    {
                        return;
                    }

                    await ResetWorkersAsync(cancellationToken);
                    _resetPending = false;
                }

                await RunRoundAsync(Round + 1, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = e;
            }

            if (failure is not null)
            {
                if (!await _backend.RecoverAsync(failure, cancellationToken))
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                }

                // Transactional round: back to the state at its start; it runs again after the reset.
                RestoreRoundState(saved);
                Recoveries++;
                LastFailure = failure.Message;
                _resetPending = true;
                continue;
            }

            Round++;
            Record();
            CheckStop();
        }
    }

    /// <summary>Rounds finished since the last call.</summary>
    public IReadOnlyList<PcaRoundRecord> TakeNewRecords()
    {
        var fresh = _history.Skip(_reported).ToList();
        _reported = _history.Count;
        return fresh;
    }

    /// <summary>One pass over the data for the final eigenvalue estimates v_k^T Sigma v_k.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        var products = await ProductsAsync(_published, -1, cancellationToken, k => $"worker {k + 1} (final eigenvalue)");
        for (var k = 0; k < _published.Length; k++)
        {
            _rayleigh[k] = WorkerState.Dot(_published[k], products[k]);
        }
    }

    private async Task RunRoundAsync(int round, CancellationToken cancellationToken)
    {
        if (Solver == PcaSolver.Subspace)
        {
            await RunSubspaceRoundAsync(cancellationToken);
            return;
        }

        var k = Options.Components;
        var active = ActiveWorkers(round);
        float[][] stepOneProducts = [];
        var lambdas = new double[k];
        for (var step = 1; step <= Options.StepsPerRound; step++)
        {
            var leaf = Top1 == Top1Solver.Oja ? (int)(_stepCounter % Options.Leaves) : -1;
            var block = active.Select(i => _current[i]).ToArray();
            var products = await ProductsAsync(block, leaf, cancellationToken, a => $"worker {active[a] + 1}");
            for (var a = 0; a < active.Length; a++)
            {
                _rayleigh[active[a]] = WorkerState.Dot(block[a], products[a]);
            }

            if (step == 1)
            {
                stepOneProducts = products;
                for (var i = 0; i < k; i++)
                {
                    lambdas[i] = Solver == PcaSolver.Sequential ? _frozenLambdas[i] : _rayleigh[i];
                }
            }

            var eta = ScaledEta(_stepCounter);
            var publish = step == Options.StepsPerRound;
            var steps = active.Select((index, a) =>
            {
                var request = new WorkerStepRequest { Round = round, Step = step, Predecessors = step == 1 ? index : 0, Eta = eta, Publish = publish };
                return SendStepAsync(index, products[a], request, active, stepOneProducts, lambdas, cancellationToken);
            }).ToArray();
            var next = await Task.WhenAll(steps);
            for (var a = 0; a < active.Length; a++)
            {
                _current[active[a]] = next[a];
            }

            _stepCounter++;
            if (Solver == PcaSolver.Sequential)
            {
                _sequentialSteps++;
            }
        }

        foreach (var index in active)
        {
            _published[index] = _current[index];
        }
    }

    /// <summary>
    /// The workers that step in <paramref name="round"/>: for sequential deflation the one being refined (it moves on,
    /// freezing its eigenvalue, once it has had its steps), for parallel deflation the first min(round, K), else all.
    /// </summary>
    private int[] ActiveWorkers(int round)
    {
        var k = Options.Components;
        if (Solver == PcaSolver.Sequential)
        {
            if (_sequentialSteps >= Options.StepsPerVector && _sequentialIndex < k - 1)
            {
                _frozenLambdas[_sequentialIndex] = _rayleigh[_sequentialIndex];
                _sequentialIndex++;
                _sequentialSteps = 0;
            }

            return [_sequentialIndex];
        }

        // Parallel deflation: worker k (1-based) starts at round k; before that its predecessors have nothing.
        return Solver == PcaSolver.ParallelDeflation ? [.. Enumerable.Range(0, Math.Min(round, k))] : [.. Enumerable.Range(0, k)];
    }

    /// <summary>
    /// Sends worker <paramref name="index"/> its step: its product, and when <paramref name="request"/> has predecessors
    /// (step 1) their vectors as of the end of the last round with, for EigenGame, their step-1 products, else their
    /// eigenvalues.
    /// </summary>
    private Task<float[]> SendStepAsync(int index, float[] product, WorkerStepRequest request, int[] active, float[][] stepOneProducts,
        double[] lambdas, CancellationToken cancellationToken)
    {
        var d = Dimension;
        var predecessors = request.Predecessors;
        var payload = new float[d * (1 + predecessors * (Solver == PcaSolver.EigenGame ? 2 : 1))];
        product.CopyTo(payload, 0);
        if (predecessors > 0)
        {
            for (var j = 0; j < predecessors; j++)
            {
                // Predecessors as of the end of the last round (for sequential: the frozen vectors).
                _published[j].CopyTo(payload, d * (1 + j));
                if (Solver == PcaSolver.EigenGame)
                {
                    stepOneProducts[Array.IndexOf(active, j)].CopyTo(payload, d * (1 + predecessors + j));
                }
            }

            if (Solver != PcaSolver.EigenGame)
            {
                request.Lambdas.AddRange(lambdas.Take(predecessors));
            }
        }

        return _backend.StepWorkerAsync(index, request, payload, cancellationToken);
    }

    /// <summary>
    /// Sigma V for the rows of <paramref name="block"/>: shard parts tree-summed in shard order, divided by the rows they
    /// cover. A product that is not finite (float32 overflow) throws <see cref="PcaDivergedException"/> naming the round
    /// and <paramref name="owner"/>(i), the worker or block vector of row i.
    /// </summary>
    private async Task<float[][]> ProductsAsync(IReadOnlyList<float[]> block, int leaf, CancellationToken cancellationToken, Func<int, string>? owner = null)
    {
        var d = Dimension;
        var count = block.Count;
        var flat = new float[count * d];
        for (var i = 0; i < count; i++)
        {
            block[i].CopyTo(flat, i * d);
        }

        var parts = await _backend.MultiplyAsync(flat, count, leaf, cancellationToken);
        var sum = parts.Count == 1 ? parts[0] : LeafLayout.TreeSum(parts);
        double rows = Options.Mode == "covariance" ? 1 : leaf >= 0 ? LeafLayout.RowCount(Rows, Options.Leaves, leaf) : Rows;
        var result = new float[count][];
        for (var i = 0; i < count; i++)
        {
            var product = new float[d];
            for (var c = 0; c < d; c++)
            {
                product[c] = (float)(sum[i * d + c] / rows);
                if (!float.IsFinite(product[c]))
                {
                    throw new PcaDivergedException(
                        $"round {Round + 1}, {owner?.Invoke(i) ?? $"vector {i + 1}"}: Sigma x is {product[c]} in coordinate {c + 1} " +
                        "(a float32 overflow: data values too large); scale the data");
                }
            }

            result[i] = product;
        }

        return result;
    }

    private async Task ResetWorkersAsync(CancellationToken cancellationToken)
    {
        if (!SolverNames.UsesWorkers(Solver))
        {
            return;
        }

        var init = Enumerable.Range(0, Options.Components).Select(i => _backend.InitWorkerAsync(
            i,
            new WorkerInitRequest { Index = i, Dimension = Dimension, Solver = Options.Solver, Top1 = Options.Top1, Eta = Options.Eta },
            _published[i],
            cancellationToken));
        await Task.WhenAll(init);
        _current = [.. _published.Select(v => (float[])v.Clone())];
    }

    /// <summary>
    /// The Oja decay's time scale tau in steps: the request's, or <see cref="PcaOptions.DefaultEtaDecayPasses"/> passes
    /// over the leaves (each Oja step reads one leaf).
    /// </summary>
    public long EtaDecaySteps => Options.EtaDecaySteps > 0 ? Options.EtaDecaySteps : (long)PcaOptions.DefaultEtaDecayPasses * Options.Leaves;

    /// <summary>
    /// The Oja / EigenGame step size made scale-free: eta / lambda_1, with lambda_1 the latest Rayleigh
    /// quotient of worker 1, so the same eta works for data in pixels or in units. Oja's step also decays,
    /// eta_t = eta / (lambda_1 (1 + t / tau)) at step <paramref name="step"/> = t (<see cref="EtaDecaySteps"/> = tau):
    /// a mini-batch step with a constant size keeps the vector in a noise ball of radius about eta around the
    /// eigenvector (E 0.26-0.37 on low-rank data where power steps reach 1e-6), while steps that sum to infinity
    /// and shrink like 1/t (Robbins-Monro) let it converge; tau keeps the full step for the first passes, where the
    /// vector is far from the answer and large steps pay.
    /// </summary>
    private double ScaledEta(long step)
    {
        var top = _rayleigh.Length > 0 && double.IsFinite(_rayleigh[0]) && _rayleigh[0] > 0 ? _rayleigh[0] : 1;
        var eta = Options.Eta / top;
        return Top1 == Top1Solver.Oja ? eta / (1 + (double)step / EtaDecaySteps) : eta;
    }

    private void Record()
    {
        var record = new PcaRoundRecord
        {
            Round = Round,
            Error = double.NaN,
            Captured = PcaMetrics.DiscountedCapturedVariance(_rayleigh),
            Seconds = _clock.Elapsed.TotalSeconds,
            Bytes = _backend.BytesCommunicated,
            Steps = Options.Asynchronous ? _asyncSteps.Min() : (long)Round * Options.StepsPerRound,
        };
        if (Truth is not null)
        {
            record.Error = PcaMetrics.Error(Truth, _published);
            var angles = PcaMetrics.AnglesDegrees(Truth, _published);
            record.AnglesDegrees.AddRange(angles);
            record.Streak = PcaMetrics.LongestStreak(angles, Options.AngleThresholdDegrees);
        }

        _history.Add(record);
    }

    private void CheckStop()
    {
        var last = _history[^1];
        if (Options.TargetError > 0 && last.Error <= Options.TargetError)
        {
            Finished = true;
            StopReason = $"target E <= {Options.TargetError:g3} reached at round {last.Round}";
        }
        else if (Round >= Options.MaxRounds)
        {
            Finished = true;
            StopReason = $"round budget of {Options.MaxRounds} spent";
        }
    }

    private (float[][] Published, double[] Rayleigh, double[] Frozen, long StepCounter, int SequentialIndex, long SequentialSteps, float[][] Block) SaveRoundState() =>
        ([.. _published], (double[])_rayleigh.Clone(), (double[])_frozenLambdas.Clone(), _stepCounter, _sequentialIndex, _sequentialSteps, [.. _block]);

    private void RestoreRoundState((float[][] Published, double[] Rayleigh, double[] Frozen, long StepCounter, int SequentialIndex, long SequentialSteps, float[][] Block) saved)
    {
        _published = saved.Published;
        _block = saved.Block;
        _rayleigh = saved.Rayleigh;
        _frozenLambdas = saved.Frozen;
        _stepCounter = saved.StepCounter;
        _sequentialIndex = saved.SequentialIndex;
        _sequentialSteps = saved.SequentialSteps;
    }
}
