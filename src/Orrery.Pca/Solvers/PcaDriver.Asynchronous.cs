using System.Diagnostics;
using Orrery.Contracts.Pca;

namespace Orrery.Pca.Solvers;

/// <summary>Asynchronous parallel deflation: every worker loops on its own and deflates with whatever its predecessors published last.</summary>
public sealed partial class PcaDriver
{
    private readonly Lock _asyncGate = new();
    private long[] _asyncSteps = [];
    private double[] _asyncLambdas = [];
    private long _asyncPublishes;

    private async Task RunAsynchronousAsync(long until, CancellationToken cancellationToken)
    {
        var k = Options.Components;
        if (_asyncSteps.Length == 0)
        {
            _asyncSteps = new long[k];
            _asyncLambdas = new double[k];
        }

        // No barrier between workers: a fast worker runs more rounds than a slow one in the same time.
        await Task.WhenAll(Enumerable.Range(0, k).Select(i => Task.Run(() => WorkerLoopAsync(i, until, cancellationToken), cancellationToken)));
    }

    private async Task WorkerLoopAsync(int index, long until, CancellationToken cancellationToken)
    {
        var d = Dimension;
        while (!Finished && Stopwatch.GetTimestamp() < until)
        {
            float[][] predecessors;
            double[] lambdas;
            lock (_asyncGate)
            {
                predecessors = [.. _published.Take(index)];
                lambdas = [.. _asyncLambdas.Take(index)];
            }

            Exception? failure = null;
            try
            {
                var rayleigh = double.NaN;
                var x = _current[index];
                for (var step = 1; step <= Options.StepsPerRound; step++)
                {
                    var leaf = Top1 == Top1Solver.Oja ? (int)((_asyncSteps[index] + step) % Options.Leaves) : -1;
                    var product = (await ProductsAsync([x], leaf, cancellationToken))[0];
                    rayleigh = WorkerState.Dot(x, product);
                    var count = step == 1 ? index : 0;
                    var payload = new float[d * (1 + count)];
                    product.CopyTo(payload, 0);
                    var request = new WorkerStepRequest { Round = (int)(_asyncSteps[index] / Options.StepsPerRound) + 1, Step = step, Predecessors = count, Eta = ScaledEta(_asyncSteps[index] + step - 1), Publish = step == Options.StepsPerRound };
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
                    _asyncLambdas[index] = rayleigh;
                    _rayleigh[index] = rayleigh;
                    _asyncSteps[index] += Options.StepsPerRound;
                    _asyncPublishes++;
                    if (_asyncPublishes % Options.Components == 0 && !Finished)
                    {
                        // One "round" of the record: K publications, whoever made them.
                        Round++;
                        Record();
                        CheckStop();
                    }
                }
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

                // A lost worker restarts from its last published vector; the others keep going.
                float[] restart;
                lock (_asyncGate)
                {
                    Recoveries++;
                    LastFailure = failure.Message;
                    restart = _published[index];
                    _current[index] = restart;
                }

                await _backend.InitWorkerAsync(
                    index,
                    new WorkerInitRequest { Index = index, Dimension = d, Solver = Options.Solver, Top1 = Options.Top1, Eta = Options.Eta },
                    restart,
                    cancellationToken);
            }
        }
    }
}
