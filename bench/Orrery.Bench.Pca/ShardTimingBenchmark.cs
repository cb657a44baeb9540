using Orrery.Contracts.Pca;
using Orrery.Pca;
using Orrery.Pca.Experiments;

namespace Orrery.Bench.Pca;

/// <summary>
/// Wall time to E &lt; target for Fashion-MNIST (60,000 x 784, K components) by each solver of <c>--solvers</c>
/// (default parallel deflation; <c>subspace</c> runs one block product per round) on an embedded cluster (real
/// loopback transport between coordinator, workers and shards), matrix-free with the shard counts of
/// <c>--shards</c> (1, 2 and 4; <c>none</c> for none), and in covariance mode. The clock starts after the shards are loaded and the exact
/// truth is computed (both reported apart). The vectors are saved as .npy for the peer script, which
/// checks them against its own float64 reference. <c>--device cuda</c>: the shards compute on the GPU
/// (<see cref="BenchDevice"/>).
/// </summary>
internal static class ShardTimingBenchmark
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var target = args.Double("target", 1e-4);
        var components = args.Int("components", 30);
        var steps = args.Int("steps", 5);
        var silos = args.Int("silos", 2);
        var output = args.Text("out", "bench/out/pca");
        var split = args.Text("split", "train");
        Directory.CreateDirectory(output);
        using var device = new BenchDevice(args);
        var shardCounts = args.Text("shards", "1,2,4") == "none" ? [] : args.Ints("shards", "1,2,4");
        var configurations = shardCounts.Select(s => ("matrix-free", s)).ToList();
        var solvers = args.Text("solvers", "parallel").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (args.Text("covariance", "yes") == "yes")
        {
            configurations.Insert(0, ("covariance", 1));
        }

        Console.WriteLine($"# shards: fashion-mnist {split}, K = {components}, T = {steps} (subspace: 1), solvers {string.Join(", ", solvers)}, target E < {target:g3}, {silos} embedded silos; device {device.Note}; {DateTime.UtcNow:u}");
        Console.WriteLine("solver,mode,shards,load_s,truth_s,seconds_to_target,rounds,steps,final_error,megabytes,vectors");
        await using var cluster = await BenchJob.StartClusterAsync(silos, device, TimeSpan.FromMinutes(5));
        foreach (var (solver, (mode, shards)) in solvers.SelectMany(s => configurations.Select(c => (s, c))))
        {
            var request = new PcaStartRequest
            {
                Solver = solver,
                Source = new PcaSource { Kind = "fashion-mnist", Split = split, Scale = 255, Center = true },
                Mode = mode,
                Shards = shards,
                Components = components,
                StepsPerRound = solver == "subspace" ? 1 : steps,
                MaxRounds = args.Int("rounds", 2000),
                TargetError = target,
                Truth = "exact",
                Seed = 1,
            };
            var file = Path.Combine(output, $"fashion-mnist-{split}-{solver}-{mode}-{shards}.npy");
            var (result, last) = await BenchJob.RunAsync(cluster, $"bench-{solver}-{mode}-{shards}", request, sliceSeconds: 2, file);
            Console.WriteLine($"{solver},{mode},{shards},{result.Start.LoadSeconds:F2},{result.Start.TruthSeconds:F2},{last.Seconds:F2},{last.Round},{last.Steps},{last.Error:e3},{last.Bytes / 1e6:F1},{file}");
        }

        return 0;
    }
}
