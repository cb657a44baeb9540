using Orrery.Contracts.Diagnostics;

namespace Orrery.Bench.Runtime;

/// <summary>
/// Tensor payloads from silo A to tensor grains pinned on silo B (reply without payload), and at
/// the same time from B to A for the both-directions runs, next to the raw socket pair moving the
/// same sizes and counts with the same number in flight, into a reused buffer (the peer) and
/// into a new array per message.
/// </summary>
internal sealed class TensorScenario(BenchOptions options, SiloCluster cluster, RawSocketPair raw, QuietGate quiet, CancellationToken stop)
{
    public async Task<TensorResults> RunAsync()
    {
        var points = new List<TensorPoint>();
        foreach (var mib in options.TensorMiB)
        {
            stop.ThrowIfCancellationRequested();
            var bytes = mib << 20;
            var count = (int)Math.Max(2 * options.TensorInFlight, options.TensorBytesPerRun / bytes);

            // Warm-up: the first call of a size maps fresh memory on both sides.
            await OrreryAsync(bytes, options.TensorInFlight, bothWays: true);
            await RawAsync(bytes, options.TensorInFlight, bothWays: true);

            await quiet.WaitAsync();
            var orreryOne = Report($"orrery     {mib,3} MiB one way", await OrreryAsync(bytes, count, bothWays: false));
            await quiet.WaitAsync();
            var rawOne = Report($"raw        {mib,3} MiB one way", await RawAsync(bytes, count, bothWays: false));
            await quiet.WaitAsync();
            var orreryBoth = Report($"orrery     {mib,3} MiB both ways", await OrreryAsync(bytes, count, bothWays: true));
            await quiet.WaitAsync();
            var rawBoth = Report($"raw        {mib,3} MiB both ways", await RawAsync(bytes, count, bothWays: true));

            await raw.SetFreshBuffersAsync(true);
            await quiet.WaitAsync();
            var freshOne = Report($"raw, fresh {mib,3} MiB one way", await RawAsync(bytes, count, bothWays: false));
            await quiet.WaitAsync();
            var freshBoth = Report($"raw, fresh {mib,3} MiB both ways", await RawAsync(bytes, count, bothWays: true));
            await raw.SetFreshBuffersAsync(false);
            points.Add(new TensorPoint(mib, orreryOne, rawOne, freshOne, orreryBoth, rawBoth, freshBoth));
        }

        return new TensorResults(points);
    }

    private async Task<TransferFigures> OrreryAsync(int bytes, int count, bool bothWays)
    {
        LoadRequest Request() => new() { Kind = "tensor", Calls = count, Concurrency = options.TensorInFlight, PayloadBytes = bytes, ReplyBytes = 0, Keys = options.TensorInFlight };
        var cpu = CpuUse.Start(() => cluster.SiloA.CpuTime, () => cluster.SiloB.CpuTime);
        var runs = new List<Task<LoadReply>> { cluster.RunLoadAsync(SiloCluster.NameA, SiloCluster.NameB, Request()) };
        if (bothWays)
        {
            runs.Add(cluster.RunLoadAsync(SiloCluster.NameB, SiloCluster.NameA, Request()));
        }

        var replies = await Task.WhenAll(runs);
        var (cores, others) = cpu.Stop();
        if (replies.FirstOrDefault(r => r.BytesReceived != 0) is { } echoed)
        {
            throw new InvalidOperationException($"the tensor grains {echoed.Silo} sent to answered with {echoed.BytesReceived} bytes; a one-way run must get none back");
        }

        return new TransferFigures(
            replies.Sum(r => r.BytesSent), replies.Max(r => r.Seconds), replies.Sum(r => r.Errors), cores[0], cores[1], others);
    }

    private async Task<TransferFigures> RawAsync(int bytes, int count, bool bothWays)
    {
        var cpu = CpuUse.Start(() => raw.First.CpuTime, () => raw.Second.CpuTime);
        var runs = new List<Task<double>> { RawSocketPair.SendAsync(raw.First, bytes, count, options.TensorInFlight) };
        if (bothWays)
        {
            runs.Add(RawSocketPair.SendAsync(raw.Second, bytes, count, options.TensorInFlight));
        }

        var seconds = await Task.WhenAll(runs);
        var (cores, others) = cpu.Stop();
        return new TransferFigures((long)bytes * count * runs.Count, seconds.Max(), 0, cores[0], cores[1], others);
    }

    private static TransferFigures Report(string what, TransferFigures run)
    {
        Console.WriteLine(
            $"  {what,-32} {run.GigabytesPerSecond,7:0.000} GB/s  {run.Bytes / (double)(1L << 30),6:0.0} GiB in {run.Seconds,6:0.00} s  " +
            $"cpu {run.FirstCores:0.00}+{run.SecondCores:0.00} cores (others {run.OtherCores:0.00})" + (run.Errors > 0 ? $"  {run.Errors} errors" : ""));
        return run;
    }
}
