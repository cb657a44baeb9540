namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>
/// At each size: the source grains put one tensor each, then every repetition runs the four ways in an order
/// rotated by one per repetition, each one way (the reader on A reads from B) and then both ways at once (B reads
/// from A at the same time). Orleans reads are timed inside silo A's and B's reader grains; the raw pair times itself.
/// </summary>
internal sealed class OrleansTensorScenario(OrleansTensorOptions options, OrleansTensorCluster cluster, RawSocketPair raw, QuietGate quiet, CancellationToken stop)
{
    public async Task<OrleansTensorResults> RunAsync()
    {
        var results = new OrleansTensorResults();
        foreach (var mib in options.SizesMiB)
        {
            var bytes = (long)mib << 20;
            var count = options.CountFor(bytes);
            var floats = checked((int)(bytes / sizeof(float)));
            var fromB = await cluster.SourceB.PutAsync(floats);
            var fromA = await cluster.SourceA.PutAsync(floats);
            try
            {
                // Warm-up, a full run each way and direction, reported apart as the cold figures: received arrays
                // are fresh memory until each process's GC heap has grown to hold the arrays in flight (about
                // 3 GiB of 4 KiB page faults per silo at 256 MiB, 0.2-0.3 GB/s on the 2-core build VM).
                foreach (var way in options.Ways)
                {
                    foreach (var bothWays in new[] { false, true })
                    {
                        await TryRunAsync(results, mib, way, bothWays, count, cold: true);
                    }
                }

                for (var rep = 0; rep < options.Repetitions; rep++)
                {
                    for (var w = 0; w < options.Ways.Length; w++)
                    {
                        var way = options.Ways[(w + rep) % options.Ways.Length];
                        foreach (var bothWays in new[] { false, true })
                        {
                            stop.ThrowIfCancellationRequested();
                            await quiet.WaitAsync();
                            await TryRunAsync(results, mib, way, bothWays, count, cold: false);
                        }
                    }
                }
            }
            finally
            {
                await cluster.SourceA.ReleaseAsync();
                await cluster.SourceB.ReleaseAsync();
            }

            async Task TryRunAsync(OrleansTensorResults into, int size, TensorWay way, bool bothWays, int reads, bool cold)
            {
                if (into.FailureOf(size, way) is not null)
                {
                    return;
                }

                try
                {
                    var run = await RunAsync(way, bothWays, bytes, reads, fromA, fromB);
                    into.Add(size, way, bothWays, cold, run);
                    Console.WriteLine(
                        $"  {size,3} MiB {way,-19} {(bothWays ? "both ways" : "one way"),-9} {(cold ? "cold" : ""),-4} {run.GigabytesPerSecond,7:0.000} GB/s  " +
                        $"{run.Bytes / (double)(1L << 30),5:0.0} GiB in {run.Seconds,6:0.00} s  cpu {run.FirstCores:0.00}+{run.SecondCores:0.00} (others {run.OtherCores:0.00})");
                }
                catch (Exception e) when (way == TensorWay.OrleansMessage && e is not OperationCanceledException)
                {
                    // Orleans refusing a large body is a result, not a benchmark failure.
                    into.Fail(size, way, $"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
                    Console.WriteLine($"  {size,3} MiB {way,-19} failed: {into.FailureOf(size, way)}");
                }
            }
        }

        return results;
    }

    private async Task<TransferFigures> RunAsync(TensorWay way, bool bothWays, long bytes, int count, Contracts.Tensors.TensorRef fromA, Contracts.Tensors.TensorRef fromB)
    {
        var rawWay = way is TensorWay.RawSocket or TensorWay.RawSocketFreshArray;
        if (rawWay)
        {
            await raw.SetFreshBuffersAsync(way == TensorWay.RawSocketFreshArray);
        }

        var cpu = rawWay
            ? CpuUse.Start(() => raw.First.CpuTime, () => raw.Second.CpuTime)
            : CpuUse.Start(() => cluster.SiloA.CpuTime, () => cluster.SiloB.CpuTime);
        var runs = new List<Task<double>> { ReadAsync(way, toA: true, bytes, count, fromA, fromB) };
        if (bothWays)
        {
            runs.Add(ReadAsync(way, toA: false, bytes, count, fromA, fromB));
        }

        var seconds = await Task.WhenAll(runs);
        var (cores, others) = cpu.Stop();
        return new TransferFigures(bytes * count * runs.Count, seconds.Max(), 0, cores[0], cores[1], others);
    }

    /// <summary>One direction: the bytes go to A (from B) when <paramref name="toA"/>, else to B (from A).</summary>
    private Task<double> ReadAsync(TensorWay way, bool toA, long bytes, int count, Contracts.Tensors.TensorRef fromA, Contracts.Tensors.TensorRef fromB)
    {
        var reader = toA ? cluster.ReaderA : cluster.ReaderB;
        return way switch
        {
            TensorWay.TensorRef => reader.FetchByRefAsync(toA ? fromB : fromA, count, options.InFlight),
            TensorWay.TensorRefReused => reader.FetchIntoReusedAsync(toA ? fromB : fromA, count, options.InFlight),
            TensorWay.OrleansMessage => reader.FetchByMessageAsync(toA ? "B" : "A", bytes, count, options.InFlight),
            _ => RawSocketPair.SendAsync(toA ? raw.Second : raw.First, checked((int)bytes), count, options.InFlight),
        };
    }
}
