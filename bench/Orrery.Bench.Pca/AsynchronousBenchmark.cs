using Orrery.Contracts.Pca;

namespace Orrery.Bench.Pca;

/// <summary>
/// The price of asynchronous rounds: each asynchronous worker makes its own pass over the shards (K products of one
/// vector a round, GEMV-shaped) where a synchronous round makes one product of the K vectors (a GEMM). Parallel
/// deflation to E &lt; target on a generated matrix, synchronous then asynchronous, on the same embedded cluster:
/// seconds, rounds, the slowest worker's steps, and seconds per step.
/// </summary>
internal static class AsynchronousBenchmark
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var dimension = args.Int("dimension", 1000);
        var rows = args.Int("rows", 8000);
        var components = args.Int("components", 10);
        var target = args.Double("target", 1e-4);
        var shards = args.Int("shards", 2);
        var silos = args.Int("silos", 2);
        using var device = new BenchDevice(args);
        Console.WriteLine($"# asynchronous: generated exponential d = {dimension}, n = {rows}, K = {components}, {shards} shards on {silos} embedded silos, target E < {target:g3}; device {device.Note}; {DateTime.UtcNow:u}");
        Console.WriteLine("mode,seconds,rounds,steps,seconds_per_step,final_error,megabytes");
        await using var cluster = await BenchJob.StartClusterAsync(silos, device, TimeSpan.FromMinutes(5));
        foreach (var asynchronous in new[] { false, true })
        {
            var request = new PcaStartRequest
            {
                Source = new PcaSource { Kind = "generated", Spectrum = "exponential", Dimension = dimension, Rows = rows, Seed = 3 },
                Shards = shards,
                Components = components,
                MaxRounds = args.Int("rounds", 100_000),
                TargetError = target,
                Truth = "auto",
                Seed = 1,
                Asynchronous = asynchronous,
            };
            var file = Path.Combine(Path.GetTempPath(), $"orrery-bench-async-{asynchronous}.npy");
            var (_, last) = await BenchJob.RunAsync(cluster, $"bench-async-{asynchronous}", request, sliceSeconds: 1, file);
            File.Delete(file);
            Console.WriteLine($"{(asynchronous ? "asynchronous" : "synchronous")},{last.Seconds:F2},{last.Round},{last.Steps},{last.Seconds / Math.Max(1, last.Steps):e3},{last.Error:e3},{last.Bytes / 1e6:F1}");
        }

        return 0;
    }
}
