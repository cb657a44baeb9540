using System.Diagnostics;
using Orrery.Contracts.Pca;

namespace Orrery.Pca.Solvers;

/// <summary>
/// Asynchronous parallel deflation: every worker loops on its own and deflates with the latest (vector, lambda) pairs
/// its predecessors have. As the spec's synchronous reference, with two choices made for the absence of rounds:
/// <list type="bullet">
/// <item>Staggered start: worker k takes its first step only once worker k - 1 has a published vector with a known
/// eigenvalue (the spec's "if l &lt; k keep the random initial vector"); before, it would deflate with lambda = 0.</item>
/// <item>Consistent pairs: lambda_j is v_j^T Sigma v_j of exactly the vector v_j a successor deflates with. A worker
/// learns the Rayleigh quotient of its published vector at step 1 of its next pass (the product it needs anyway), and
/// only then offers the pair; a successor may so deflate with a vector one pass older than the newest, never with a
/// lambda of another vector.</item>
/// <item>Each worker makes its own pass over the shards (K products of one vector a round instead of one product of K
/// vectors): batching them would put back the barrier that asynchronous rounds remove, a fast worker waiting for the
/// slowest. The price is measured in bench/results/pca.md.</item>
/// </list>
/// </summary>
public sealed partial class PcaDriver
{
    private readonly Lock _asyncGate = new();
    private long[] _asyncSteps = [];
    private (float[] Vector, double Lambda)[] _asyncPairs = [];
    private TaskCompletionSource[] _asyncPaired = [];

    private async Task RunAsynchronousAsync(long until, CancellationToken cancellationToken)
    {
        var k = Options.Components;
        if (_asyncSteps.Length == 0)
        {
            _asyncSteps = new long[k];
            _asyncPairs = new (float[], double)[k];
            _asyncPaired = [.. Enumerable.Range(0, k).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
        }

        // No barrier between workers: a fast worker runs more rounds than a slow one in the same time.
        await Task.WhenAll(Enumerable.Range(0, k).Select(i => Task.Run(() => WorkerLoopAsync(i, until, cancellationToken), cancellationToken)));
    }

    private async Task WorkerLoopAsync(int index, long until, CancellationToken cancellationToken)
    {
        var d = Dimension;
        while (!Finished && Stopwatch.GetTimestamp() < until)
        {
            if (index > 0 && !await Within(_asyncPaired[index - 1].Task, Remaining(until)))
            {
                // Staggered start: the predecessor has no published vector with its eigenvalue yet.
                return;
            }

            float[][] predecessors;
            double[] lambdas;
            lock (_asyncGate)
            {
                predecessors = [.. _asyncPairs.Take(index).Select(p => p.Vector)];
                lambdas = [.. _asyncPairs.Take(index).Select(p => p.Lambda)];
            }

            Exception? failure = null;
            try
            {
                await WorkerPassAsync(index, predecessors, lambdas, d, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = e;
            }

            if (failure is not null)
            {
                await RecoverWorkerAsync(index, failure, d, cancellationToken);
            }
        }
    }

    /// <summary>T steps of worker <paramref name="index"/> from its published vector, then the new vector is published.</summary>
    private async Task WorkerPassAsync(int index, float[][] predecessors, double[] lambdas, int d, CancellationToken cancellationToken)
    {
        var x = _current[index];
        for (var step = 1; step <= Options.StepsPerRound; step++)
        {
            var leaf = Top1 == Top1Solver.Oja ? (int)((_asyncSteps[index] + step) % Options.Leaves) : -1;
            var product = (await ProductsAsync([x], leaf, cancellationToken, _ => $"worker {index + 1}"))[0];
            if (step == 1)
            {
                // x is the published vector: its Rayleigh quotient makes the pair successors deflate with.
                OfferPair(index, x, WorkerState.Dot(x, product));
            }

            var count = step == 1 ? index : 0;
            var payload = new float[d * (1 + count)];
            product.CopyTo(payload, 0);
            var request = new WorkerStepRequest
            {
                Round = (int)(_asyncSteps[index] / Options.StepsPerRound) + 1,
                Step = step,
                Predecessors = count,
                Eta = ScaledEta(_asyncSteps[index] + step - 1),
                Publish = step == Options.StepsPerRound,
            };
            if (count > 0)
            {
                for (var j = 0; j < count; j++)
                {
                    predecessors[j].CopyTo(payload, d * (1 + j));
                }

                request.Lambdas.AddRange(lambdas);
            }

            x = await _backend.StepWorkerAsync(index, request, payload, cancellationToken);
        }

        lock (_asyncGate)
        {
            _current[index] = x;
            _published[index] = x;
            _asyncSteps[index] += Options.StepsPerRound;

            // The record's round: the synchronous round this state has reached at least, min over workers k (0-based)
            // of passes_k + k (in synchronous round l, worker k has made l - k passes). A fast worker alone does not
            // spend the round budget while the later ones have hardly started.
            var reached = Enumerable.Range(0, Options.Components).Min(k => _asyncSteps[k] / Options.StepsPerRound + k);
            while (Round < reached && !Finished)
            {
                Round++;
                Record();
                CheckStop();
            }
        }
    }

    /// <summary>Records (vector, its lambda) of worker <paramref name="index"/>; once the vector is a published one (not the random start), successors may begin.</summary>
    private void OfferPair(int index, float[] vector, double lambda)
    {
        lock (_asyncGate)
        {
            _rayleigh[index] = lambda;
            if (_asyncSteps[index] == 0)
            {
                return;
            }

            _asyncPairs[index] = (vector, lambda);
        }

        _asyncPaired[index].TrySetResult();
    }

    /// <summary>A lost worker restarts from its last published vector; the others keep going. Anything else ends the run.</summary>
    private async Task RecoverWorkerAsync(int index, Exception failure, int d, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await _backend.RecoverAsync(failure, cancellationToken))
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            float[] restart;
            lock (_asyncGate)
            {
                Recoveries++;
                LastFailure = failure.Message;
                restart = _published[index];
                _current[index] = restart;
            }

            try
            {
                await _backend.InitWorkerAsync(
                    index,
                    new WorkerInitRequest { Index = index, Dimension = d, Solver = Options.Solver, Top1 = Options.Top1, Eta = Options.Eta },
                    restart,
                    cancellationToken);
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The restart met the loss too (a call to the dead silo still in flight, or membership not yet settled):
                // recover again. The backend decides what is a loss and gives up after its limit of recoveries in a row.
                failure = e;
            }
        }
    }
}
