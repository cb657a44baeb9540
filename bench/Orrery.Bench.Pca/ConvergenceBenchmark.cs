using System.Diagnostics;
using Orrery.Compute.Cpu;
using Orrery.Contracts.Pca;
using Orrery.Experiments;
using Orrery.Pca.Solvers;

namespace Orrery.Bench.Pca;

/// <summary>
/// The reference experiments: E against total Top1 steps T*L for parallel deflation, EigenGame-mu and
/// sequential deflation, several random starts, one chart per data set and T (mean, band = min..max over
/// starts). In process on the CPU device (the same arithmetic as the grains: the tests check that the
/// grains compute the same bits), covariance mode.
/// </summary>
internal static class ConvergenceBenchmark
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        var data = args.Text("data", "power");
        var starts = args.Int("starts", 10);
        var total = args.Int("total", 600);
        var components = args.Int("components", 30);
        var dimension = args.Int("dimension", 1000);
        var output = args.Text("out", "bench/out/pca");
        var solvers = args.Text("solvers", "parallel,eigengame,sequential").Split(',');
        var eta = args.Double("eta", 1);
        var tag = args.Text("tag", "");
        Directory.CreateDirectory(output);
        var source = data == "fashion-mnist"
            ? new PcaSource { Kind = "fashion-mnist", Split = "train", Scale = 255, Center = true }
            : new PcaSource { Kind = "generated", Spectrum = data, Dimension = dimension, Rows = 2L * dimension + 1, Seed = 2024 };
        var template = new PcaStartRequest { Source = source, Mode = "covariance", Components = components, Eta = eta, Truth = data == "fashion-mnist" ? "exact" : "auto" };
        using var device = new CpuDevice();
        using var local = new LocalBackend(device, PcaOptions.Normalise(template));
        var backend = new CachedLoadBackend(local);
        var csv = new List<string> { "data,T,solver,start,steps,error" };
        var summary = new List<string>();
        Console.WriteLine($"# convergence: {data}, K = {components}, T*L = {total}, {starts} starts, eta = {eta} / lambda_1 (EigenGame); {DateTime.UtcNow:u}");
        foreach (var steps in args.Ints("steps", "1,5"))
        {
            var plot = new SvgPlot($"{data}: E against total steps T*L (T = {steps}, K = {components}, {starts} starts)", "total Top1 steps T*L", "E") { LogY = true };
            var finals = new Dictionary<string, double[]>();
            var lastParts = new Dictionary<string, double[]>();
            foreach (var solver in solvers)
            {
                var curves = new List<double[]>();
                var clock = Stopwatch.StartNew();
                for (var start = 0; start < starts; start++)
                {
                    var request = template.Clone();
                    request.Solver = solver;
                    request.StepsPerRound = steps;
                    request.MaxRounds = total / steps;
                    request.Seed = (ulong)start + 1;
                    var driver = new PcaDriver(request, backend);
                    await driver.StartAsync(CancellationToken.None);
                    while (!driver.Finished)
                    {
                        await driver.AdvanceAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
                    }

                    var curve = driver.History.Select(r => r.Error).ToArray();
                    curves.Add(curve);
                    csv.AddRange(driver.History.Select(r => $"{data},{steps},{solver},{start},{r.Steps},{r.Error:R}"));
                }

                var x = Enumerable.Range(1, curves[0].Length).Select(r => (double)(r * steps)).ToArray();
                var mean = Enumerable.Range(0, x.Length).Select(i => curves.Average(c => c[i])).ToArray();
                var low = Enumerable.Range(0, x.Length).Select(i => curves.Min(c => c[i])).ToArray();
                var high = Enumerable.Range(0, x.Length).Select(i => curves.Max(c => c[i])).ToArray();
                plot.Band(solver, x, mean, low, high);
                finals[solver] = [.. curves.Select(c => c[^1])];

                // "The last part of a run": the mean E over the last 10% of the steps.
                var tail = Math.Max(1, x.Length / 10);
                lastParts[solver] = [.. curves.Select(c => c.Skip(c.Length - tail).Average())];
                var line = $"{data} T={steps} {solver,-10}: final E mean {finals[solver].Average():e3} (min {finals[solver].Min():e3}, max {finals[solver].Max():e3}); last-10% mean {lastParts[solver].Average():e3}; {clock.Elapsed.TotalSeconds:F1} s for {starts} runs";
                Console.WriteLine(line);
                summary.Add(line);
            }

            if (finals.ContainsKey("parallel") && finals.ContainsKey("eigengame"))
            {
                var below = Enumerable.Range(0, starts).Count(s => finals["parallel"][s] < finals["eigengame"][s]);
                var verdict = $"{data} T={steps}: parallel deflation ends below EigenGame-mu at T*L = {total} in {below} of {starts} starts (mean {finals["parallel"].Average():e3} vs {finals["eigengame"].Average():e3})";
                Console.WriteLine(verdict);
                summary.Add(verdict);
            }

            plot.Save(Path.Combine(output, $"convergence-{data}{tag}-T{steps}.svg"));
        }

        File.WriteAllLines(Path.Combine(output, $"convergence-{data}{tag}.csv"), csv);
        File.WriteAllLines(Path.Combine(output, $"convergence-{data}{tag}.txt"), summary);
        return 0;
    }
}
