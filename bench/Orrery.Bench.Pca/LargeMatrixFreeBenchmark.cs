using Orrery.Contracts.Pca;
using Orrery.Pca;
using Orrery.Pca.Data;
using Orrery.Pca.Experiments;
using Orrery.Pca.Solvers;

namespace Orrery.Bench.Pca;

/// <summary>
/// Matrix-free on a generated low-rank-plus-noise matrix (n x d float32, written once as a raw file so the
/// peer reads the same bytes): wall time to E &lt; target for K components by each solver of <c>--solvers</c>
/// (default parallel deflation and subspace iteration with <c>--oversample</c> p = 10), with the shards
/// streaming Y, the covariance never formed; one run (shards loaded, truth found) per solver, one .npy of
/// vectors per solver. The truth is an exact eigendecomposition when d is small enough; the peer script
/// scores everything against its own float64 reference too. <c>--device cuda</c>: the shards compute on the
/// GPU (<see cref="BenchDevice"/>).
/// </summary>
internal static class LargeMatrixFreeBenchmark
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var rows = args.Int("rows", 50_000);
        var dimension = args.Int("dimension", 2_000);
        var components = args.Int("components", 16);
        var output = args.Text("out", "bench/out/pca");
        var file = args.Text("file", Path.Combine(Path.GetTempPath(), $"orrery-pca-large-{rows}x{dimension}.f32"));
        Directory.CreateDirectory(output);
        using var device = new BenchDevice(args);
        var generated = new PcaSource { Kind = "generated", Spectrum = "low-rank", Dimension = dimension, Rows = rows, Seed = 77, Rank = args.Int("rank", 2 * components), Noise = args.Double("noise", 0.05) };
        if (!File.Exists(file))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            RawMatrixFile.Write(file, PcaData.Rows(generated, 0, rows));
            Console.WriteLine($"# generated {rows} x {dimension} low-rank (rank {generated.Rank}) plus noise {generated.Noise} into {file} in {clock.Elapsed.TotalSeconds:F1} s");
        }

        var solvers = args.Text("solvers", "parallel,subspace").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Console.WriteLine($"# large: device {device.Note}; solvers {string.Join(", ", solvers)}");
        await using var cluster = await BenchJob.StartClusterAsync(args.Int("silos", 2), device, TimeSpan.FromMinutes(10));
        Console.WriteLine("rows,dimension,components,shards,load_s,truth_s,seconds_to_target,rounds,final_error,megabytes,stop,file,vectors,solver");
        foreach (var solver in solvers)
        {
            var request = new PcaStartRequest
            {
                Source = new PcaSource { Kind = "raw", Path = file, Center = true },
                Shards = args.Int("shards", 4),
                Components = components,
                Solver = solver,
                Oversample = args.Int("oversample", PcaOptions.DefaultOversample),
                StepsPerRound = args.Int("steps", 1),
                MaxRounds = args.Int("rounds", 3000),
                TargetError = args.Double("target", 1e-3),
                Truth = dimension <= 4096 ? "exact" : "none",
                Seed = 1,
            };
            var vectors = Path.Combine(output, $"large-{rows}x{dimension}-k{components}-{solver}.npy");
            var (result, last) = await BenchJob.RunAsync(cluster, $"bench-large-{solver}", request, sliceSeconds: 5, vectors);
            Console.WriteLine($"{rows},{dimension},{components},{request.Shards},{result.Start.LoadSeconds:F2},{result.Start.TruthSeconds:F2},{last.Seconds:F2},{last.Round},{last.Error:e3},{last.Bytes / 1e6:F1},{result.Result.StopReason},{file},{vectors},{solver}");
        }

        return 0;
    }
}
