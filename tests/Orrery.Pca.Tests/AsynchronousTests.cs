using Orrery.Contracts.Pca;
using Orrery.Pca.Data;
using Orrery.Pca.Solvers;
using Orrery.Pca.Tests.Support;

namespace Orrery.Pca.Tests;

/// <summary>Asynchronous parallel deflation against the spec: staggered start, and lambda_j = v_j^T Sigma v_j of the very v_j deflated with.</summary>
public sealed class AsynchronousTests
{
    /// <summary>
    /// Every step request a worker gets (recorded on the way to the in-process workers) is checked against an
    /// independent Sigma in double: each lambda_j must be the Rayleigh quotient of the predecessor vector sent with it
    /// (to 1e-4 relative: the products are float32 GEMMs, good to about 1e-6), and no worker may deflate before its
    /// predecessors published (a lambda of 0, or a predecessor still at its random start vector). Before, workers
    /// deflated with lambda = 0 until their predecessors published, and the lambda sent was that of the vector before
    /// the predecessor's last step.
    /// </summary>
    [Fact]
    public async Task WorkersDeflateWithTheEigenvalueOfTheVectorTheyAreSent()
    {
        var source = PcaRuns.Generated("exponential", dimension: 60, rows: 200);
        var request = PcaOptions.Normalise(PcaRuns.Request(source, components: 4, rounds: 60));
        request.Asynchronous = true;
        using var local = new LocalBackend(PcaRuns.Cpu, request);
        var recording = new RecordingBackend(local);
        var driver = new PcaDriver(request, recording);
        await driver.StartAsync(CancellationToken.None);
        while (!driver.Finished)
        {
            await driver.AdvanceAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        var rows = PcaData.Rows(source, 0, (int)source.Rows);
        var starts = Enumerable.Range(0, 4).Select(i => SplitMix.UnitVector(request.Seed * 7919 + (ulong)i + 1, 60)).ToArray();
        var checkedPairs = 0;
        foreach (var (index, step, payload) in recording.Steps.Where(s => s.Step.Predecessors > 0).Select(s => (s.Index, s.Step, s.Payload)))
        {
            for (var j = 0; j < step.Predecessors; j++)
            {
                var v = payload.AsSpan(60 * (1 + j), 60).ToArray();
                Assert.False(v.SequenceEqual(starts[j]), $"worker {index + 1} deflated with worker {j + 1}'s random start vector");
                var rayleigh = Rayleigh(rows, v);
                Assert.True(Math.Abs(step.Lambdas[j] - rayleigh) <= 1e-4 * rayleigh, $"worker {index + 1}, pass {step.Round}: lambda_{j + 1} = {step.Lambdas[j]:g6}, v^T Sigma v = {rayleigh:g6}");
                checkedPairs++;
            }
        }

        Assert.True(checkedPairs > 100, $"{checkedPairs} pairs checked");
    }

    /// <summary>||Y v||^2 / n in double.</summary>
    private static double Rayleigh(PcaMatrix rows, float[] v)
    {
        var sum = 0.0;
        for (var r = 0; r < rows.Rows; r++)
        {
            var row = rows.Row(r);
            var dot = 0.0;
            for (var c = 0; c < v.Length; c++)
            {
                dot += (double)row[c] * v[c];
            }

            sum += dot * dot;
        }

        return sum / rows.Rows;
    }

    /// <summary>The in-process backend, recording every worker step request and its payload on the way.</summary>
    private sealed class RecordingBackend(LocalBackend inner) : IPcaBackend
    {
        private readonly Lock _gate = new();

        public List<(int Index, WorkerStepRequest Step, float[] Payload)> Steps { get; } = [];

        public int ShardCount => inner.ShardCount;

        public long BytesCommunicated => inner.BytesCommunicated;

        public Task<(long Rows, int Dimension)?> LoadAsync(TimeSpan wait, CancellationToken cancellationToken) => inner.LoadAsync(wait, cancellationToken);

        public Task<IReadOnlyList<float[]>> MultiplyAsync(float[] block, int count, int leaf, CancellationToken cancellationToken) =>
            inner.MultiplyAsync(block, count, leaf, cancellationToken);

        public Task InitWorkerAsync(int index, WorkerInitRequest request, float[] vector, CancellationToken cancellationToken) =>
            inner.InitWorkerAsync(index, request, vector, cancellationToken);

        public Task<float[]> StepWorkerAsync(int index, WorkerStepRequest request, float[] payload, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                Steps.Add((index, request, (float[])payload.Clone()));
            }

            return inner.StepWorkerAsync(index, request, payload, cancellationToken);
        }

        public Task<bool> RecoverAsync(Exception failure, CancellationToken cancellationToken) => inner.RecoverAsync(failure, cancellationToken);
    }
}
