using System.Diagnostics;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;

namespace Orrery.Pca.Solvers;

/// <summary>
/// The set-up before the first round, in steps that each fit a slice: load the shards (the backend asks them in
/// bounded calls until all are ready), find the truth (an exact eigendecomposition runs in the background, polled),
/// start the workers. A long phase therefore never waits on one call's deadline: the coordinator's client sees a slice
/// end every second or so, whatever the size of the data.
/// </summary>
public sealed partial class PcaDriver
{
    private SetupPhase _phase = SetupPhase.Load;
    private readonly CancellationTokenSource _abandoned = new();
    private Task<PcaTruth?>? _truthTask;
    private Stopwatch? _setupClock;

    private enum SetupPhase
    {
        Load,
        Truth,
        Workers,
        Ready,
    }

    /// <summary>True once the shards are loaded, the truth is known and the workers are started.</summary>
    public bool Ready => _phase == SetupPhase.Ready;

    /// <summary>What the driver is doing, in words (for progress lines).</summary>
    public string Phase => _phase switch
    {
        SetupPhase.Load => "loading the shards",
        SetupPhase.Truth => Options.Truth == "none" || (Options.Truth == "auto" && PcaData.HasKnownBasis(Options.Source)) ? "preparing" : "computing the exact truth",
        SetupPhase.Workers => "starting the workers",
        _ => Finished ? "finished" : "running",
    };

    /// <summary>Set-up steps until <paramref name="until"/> (a <see cref="Stopwatch"/> timestamp) or until ready.</summary>
    private async Task SetUpAsync(long until, CancellationToken cancellationToken)
    {
        _setupClock ??= Stopwatch.StartNew();
        while (!Ready)
        {
            try
            {
                if (!await SetUpStepAsync(until, cancellationToken))
                {
                    return;
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && _phase != SetupPhase.Truth)
            {
                // A shard or worker silo lost during set-up: placed again, the phase runs again; anything else ends the run.
                if (!await _backend.RecoverAsync(e, cancellationToken))
                {
                    throw;
                }

                Recoveries++;
                LastFailure = e.Message;
            }
        }
    }

    /// <summary>One phase, or as much of it as the time allows; false when time ran out first.</summary>
    private async Task<bool> SetUpStepAsync(long until, CancellationToken cancellationToken)
    {
        switch (_phase)
        {
            case SetupPhase.Load:
                if (await _backend.LoadAsync(Remaining(until), cancellationToken) is not { } shape)
                {
                    return false;
                }

                (Rows, Dimension) = shape;
                SetupSeconds = (_setupClock!.Elapsed.TotalSeconds, 0);
                if (Options.Components > Dimension)
                {
                    throw new PcaOptionException("components", $"components is {Options.Components}; the data has dimension {Dimension}");
                }

                if (Solver == PcaSolver.Subspace)
                {
                    PcaOptions.CheckBlockFits(Options, Dimension);
                }

                var (source, mode, rows, dimension, components) = (Options.Source, Options.Mode, Rows, Dimension, Options.Components);
                _truthTask = Options.Truth == "none" ? Task.FromResult<PcaTruth?>(null)
                    : Options.Truth == "auto" && PcaData.HasKnownBasis(source) ? Task.FromResult<PcaTruth?>(KnownTruth())
                    // In covariance mode the shard answers d rows (Sigma's); the truth is formed from the data's own rows.
                    : Task.Run(() => (PcaTruth?)PcaTruth.FromData(source, mode, mode == "covariance" ? PcaData.Shape(source).Rows : rows, dimension, components, _abandoned.Token), CancellationToken.None);
                _phase = SetupPhase.Truth;
                return true;
            case SetupPhase.Truth:
                if (!await Within(_truthTask!, Remaining(until)))
                {
                    return false;
                }

                Truth = await _truthTask!;
                SetupSeconds = (SetupSeconds.Load, _setupClock!.Elapsed.TotalSeconds - SetupSeconds.Load);
                StartVectors();
                _phase = SetupPhase.Workers;
                return true;
            default:
                await ResetWorkersAsync(cancellationToken);
                _phase = SetupPhase.Ready;
                _clock.Start();
                return true;
        }
    }

    /// <summary>
    /// Gives the run up: work it left running in the background (the exact truth's pass over the data) stops at its next
    /// row block. The driver is not used afterwards.
    /// </summary>
    public void Abandon()
    {
        _abandoned.Cancel();
    }

    /// <summary>The generated basis: the truth of generated power, exponential and spiked spectra, known without any work.</summary>
    private PcaTruth KnownTruth()
    {
        var k = Options.Components;
        var columns = RandomOrthogonal.Columns(Dimension, Options.Source.Seed);
        return new PcaTruth([.. SyntheticData.Eigenvalues(Options.Source).Take(k)], [.. columns.Take(k).Select(c => (double[])c.Clone())]);
    }

    /// <summary>Every worker's seeded random unit start vector, and the subspace solver's first block.</summary>
    private void StartVectors()
    {
        var k = Options.Components;
        _published = new float[k][];
        _rayleigh = Enumerable.Repeat(double.NaN, k).ToArray();
        _frozenLambdas = new double[k];
        for (var i = 0; i < k; i++)
        {
            _published[i] = SplitMix.UnitVector(Options.Seed * 7919 + (ulong)i + 1, Dimension);
        }

        _current = [.. _published.Select(v => (float[])v.Clone())];
        if (Solver == PcaSolver.Subspace)
        {
            _block = InitialBlock();
        }
    }

    /// <summary>Time left until <paramref name="until"/>, at least 10 ms (so a poll always asks once).</summary>
    private static TimeSpan Remaining(long until) =>
        until == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(Math.Max(0.01, (until - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));

    /// <summary>True when <paramref name="task"/> completed within <paramref name="wait"/> (its failure is thrown by the await that follows).</summary>
    private static async Task<bool> Within(Task task, TimeSpan wait)
    {
        try
        {
            await task.WaitAsync(wait);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            return false;
        }
        catch when (task.IsCompleted)
        {
            // The task's own failure: the caller's await throws it.
        }

        return true;
    }
}
